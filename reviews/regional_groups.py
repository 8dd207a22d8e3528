"""The United Nations regional group of each of the 193 Member States.

Source: "Regional groups of Member States", United Nations Department for General
Assembly and Conference Management (DGACM), https://www.un.org/dgacm/en/content/regional-groups
(the list the UN Library's "Where can I get information about regional groups?",
https://ask.un.org/faq/14521, points to). The page carries no date of its own; the list
below follows the page as transcribed on 2 February 2024, and matches the copy cited as
retrieved on 26 August 2024. Its five tables name 54 African States, 55 Asia-Pacific States
(Türkiye included, with an asterisk), 23 Eastern European States, 33 Latin American and
Caribbean States and 29 Western European and other States (Türkiye and the United States
of America included). Counting Türkiye once, in the Western European and other States, gives:

    African States                        54
    Asia-Pacific States                   54
    Eastern European States               23
    Latin American and Caribbean States   33
    Western European and other States     29
                                         ---
                                         193

Special cases:

- Türkiye takes full part in both the Western European and other States and the
  Asia-Pacific States, but for electoral purposes counts only as a member of the
  Western European and other States. It is mapped there, and listed in
  ``ALSO_PARTICIPATES`` for the Asia-Pacific States.
- Israel became a full member of the Western European and other States in May 2000,
  first on a temporary basis, renewed permanently in 2004 (for the group's New York
  activities). It is mapped there.
- The United States of America is not a member of any regional group, but attends the
  meetings of the Western European and other States as an observer and is considered a
  member of that group for electoral purposes. The DGACM list places it in that group,
  and so does this mapping.
- Kiribati was for years in no regional group; the UN Library's note on the special cases
  (updated January 2023) still says "as of 2010" it belongs to none. The DGACM list now
  places it among the Asia-Pacific States, without any footnote, and this mapping follows
  the DGACM list. ``RegionalGroup.NONE`` is kept for a Member State in no group, although
  none is in that position today.

Anything that is not a UN Member State - the observer States (the Holy See, the State of
Palestine), Kosovo, Taiwan, and territories such as Puerto Rico or Hong Kong - maps to
``RegionalGroup.OTHER``.

Codes are ISO 3166-1 alpha-2, as django-countries stores them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionalGroup(models.TextChoices):
    AFRICAN = "african", _("African States")
    ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific States")
    EASTERN_EUROPEAN = "eastern_european", _("Eastern European States")
    LATIN_AMERICAN_CARIBBEAN = "latin_american_caribbean", _("Latin American and Caribbean States")
    WESTERN_EUROPEAN_OTHER = "western_european_other", _("Western European and other States")
    NONE = "none", _("No regional group")
    OTHER = "other", _("Other (not a Member State)")


# The names in the comments are the DGACM page's.
AFRICAN_STATES: tuple[str, ...] = (
    "DZ",  # Algeria
    "AO",  # Angola
    "BJ",  # Benin
    "BW",  # Botswana
    "BF",  # Burkina Faso
    "BI",  # Burundi
    "CV",  # Cabo Verde
    "CM",  # Cameroon
    "CF",  # Central African Republic
    "TD",  # Chad
    "KM",  # Comoros
    "CG",  # Congo
    "CI",  # Côte d'Ivoire
    "CD",  # Democratic Republic of the Congo
    "DJ",  # Djibouti
    "EG",  # Egypt
    "GQ",  # Equatorial Guinea
    "ER",  # Eritrea
    "SZ",  # Eswatini
    "ET",  # Ethiopia
    "GA",  # Gabon
    "GM",  # Gambia
    "GH",  # Ghana
    "GN",  # Guinea
    "GW",  # Guinea-Bissau
    "KE",  # Kenya
    "LS",  # Lesotho
    "LR",  # Liberia
    "LY",  # Libya
    "MG",  # Madagascar
    "MW",  # Malawi
    "ML",  # Mali
    "MR",  # Mauritania
    "MU",  # Mauritius
    "MA",  # Morocco
    "MZ",  # Mozambique
    "NA",  # Namibia
    "NE",  # Niger
    "NG",  # Nigeria
    "RW",  # Rwanda
    "ST",  # Sao Tome and Principe
    "SN",  # Senegal
    "SC",  # Seychelles
    "SL",  # Sierra Leone
    "SO",  # Somalia
    "ZA",  # South Africa
    "SS",  # South Sudan
    "SD",  # Sudan
    "TG",  # Togo
    "TN",  # Tunisia
    "UG",  # Uganda
    "TZ",  # United Republic of Tanzania
    "ZM",  # Zambia
    "ZW",  # Zimbabwe
)

# Türkiye also appears in this table (with an asterisk); it is counted in the
# Western European and other States and recorded in ALSO_PARTICIPATES instead.
ASIA_PACIFIC_STATES: tuple[str, ...] = (
    "AF",  # Afghanistan
    "BH",  # Bahrain
    "BD",  # Bangladesh
    "BT",  # Bhutan
    "BN",  # Brunei Darussalam
    "KH",  # Cambodia
    "CN",  # China
    "CY",  # Cyprus
    "KP",  # Democratic People's Republic of Korea
    "FJ",  # Fiji
    "IN",  # India
    "ID",  # Indonesia
    "IR",  # Iran (Islamic Republic of)
    "IQ",  # Iraq
    "JP",  # Japan
    "JO",  # Jordan
    "KZ",  # Kazakhstan
    "KI",  # Kiribati: listed here by DGACM, though long in no group (see the module docstring)
    "KW",  # Kuwait
    "KG",  # Kyrgyzstan
    "LA",  # Lao People's Democratic Republic
    "LB",  # Lebanon
    "MY",  # Malaysia
    "MV",  # Maldives
    "MH",  # Marshall Islands
    "FM",  # Micronesia (Federated States of)
    "MN",  # Mongolia
    "MM",  # Myanmar
    "NR",  # Nauru
    "NP",  # Nepal
    "OM",  # Oman
    "PK",  # Pakistan
    "PW",  # Palau
    "PG",  # Papua New Guinea
    "PH",  # Philippines
    "QA",  # Qatar
    "KR",  # Republic of Korea
    "WS",  # Samoa
    "SA",  # Saudi Arabia
    "SG",  # Singapore
    "SB",  # Solomon Islands
    "LK",  # Sri Lanka
    "SY",  # Syrian Arab Republic
    "TJ",  # Tajikistan
    "TH",  # Thailand
    "TL",  # Timor-Leste
    "TO",  # Tonga
    "TM",  # Turkmenistan
    "TV",  # Tuvalu
    "AE",  # United Arab Emirates
    "UZ",  # Uzbekistan
    "VU",  # Vanuatu
    "VN",  # Viet Nam
    "YE",  # Yemen
)

EASTERN_EUROPEAN_STATES: tuple[str, ...] = (
    "AL",  # Albania
    "AM",  # Armenia
    "AZ",  # Azerbaijan
    "BY",  # Belarus
    "BA",  # Bosnia and Herzegovina
    "BG",  # Bulgaria
    "HR",  # Croatia
    "CZ",  # Czechia
    "EE",  # Estonia
    "GE",  # Georgia
    "HU",  # Hungary
    "LV",  # Latvia
    "LT",  # Lithuania
    "ME",  # Montenegro
    "MK",  # North Macedonia
    "PL",  # Poland
    "MD",  # Republic of Moldova
    "RO",  # Romania
    "RU",  # Russian Federation
    "RS",  # Serbia
    "SK",  # Slovakia
    "SI",  # Slovenia
    "UA",  # Ukraine
)

LATIN_AMERICAN_CARIBBEAN_STATES: tuple[str, ...] = (
    "AG",  # Antigua and Barbuda
    "AR",  # Argentina
    "BS",  # Bahamas
    "BB",  # Barbados
    "BZ",  # Belize
    "BO",  # Bolivia (Plurinational State of)
    "BR",  # Brazil
    "CL",  # Chile
    "CO",  # Colombia
    "CR",  # Costa Rica
    "CU",  # Cuba
    "DM",  # Dominica
    "DO",  # Dominican Republic
    "EC",  # Ecuador
    "SV",  # El Salvador
    "GD",  # Grenada
    "GT",  # Guatemala
    "GY",  # Guyana
    "HT",  # Haiti
    "HN",  # Honduras
    "JM",  # Jamaica
    "MX",  # Mexico
    "NI",  # Nicaragua
    "PA",  # Panama
    "PY",  # Paraguay
    "PE",  # Peru
    "KN",  # Saint Kitts and Nevis
    "LC",  # Saint Lucia
    "VC",  # Saint Vincent and the Grenadines
    "SR",  # Suriname
    "TT",  # Trinidad and Tobago
    "UY",  # Uruguay
    "VE",  # Venezuela (Bolivarian Republic of)
)

WESTERN_EUROPEAN_OTHER_STATES: tuple[str, ...] = (
    "AD",  # Andorra
    "AU",  # Australia
    "AT",  # Austria
    "BE",  # Belgium
    "CA",  # Canada
    "DK",  # Denmark
    "FI",  # Finland
    "FR",  # France
    "DE",  # Germany
    "GR",  # Greece
    "IS",  # Iceland
    "IE",  # Ireland
    "IL",  # Israel: full member since 2000, made permanent in 2004
    "IT",  # Italy
    "LI",  # Liechtenstein
    "LU",  # Luxembourg
    "MT",  # Malta
    "MC",  # Monaco
    "NL",  # Netherlands
    "NZ",  # New Zealand
    "NO",  # Norway
    "PT",  # Portugal
    "SM",  # San Marino
    "ES",  # Spain
    "SE",  # Sweden
    "CH",  # Switzerland
    "TR",  # Türkiye: counted here for electoral purposes; also takes part in Asia-Pacific
    "GB",  # United Kingdom of Great Britain and Northern Ireland
    "US",  # United States of America: observer in no group, counted here for elections
)

GROUPS: dict[RegionalGroup, tuple[str, ...]] = {
    RegionalGroup.AFRICAN: AFRICAN_STATES,
    RegionalGroup.ASIA_PACIFIC: ASIA_PACIFIC_STATES,
    RegionalGroup.EASTERN_EUROPEAN: EASTERN_EUROPEAN_STATES,
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: LATIN_AMERICAN_CARIBBEAN_STATES,
    RegionalGroup.WESTERN_EUROPEAN_OTHER: WESTERN_EUROPEAN_OTHER_STATES,
}

MEMBER_STATES: dict[str, RegionalGroup] = {
    code: group for group, codes in GROUPS.items() for code in codes
}

# Member States that take full part in a second group besides the one they count in.
ALSO_PARTICIPATES: dict[str, RegionalGroup] = {
    "TR": RegionalGroup.ASIA_PACIFIC,
}


def regional_group(country_code: str) -> RegionalGroup:
    """The regional group of a Member State, or OTHER for anything that is not one.

    The code is an ISO 3166-1 alpha-2 code in any case; an empty code is OTHER.
    """
    code = str(country_code or "").strip().upper()
    return MEMBER_STATES.get(code, RegionalGroup.OTHER)
