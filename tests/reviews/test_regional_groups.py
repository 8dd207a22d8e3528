"""The UN regional group of each Member State, against the DGACM list."""

from collections import Counter

import pytest
from django_countries import countries

from reviews.regional_groups import (
    ALSO_PARTICIPATES,
    GROUPS,
    MEMBER_STATES,
    RegionalGroup,
    regional_group,
)

# "Regional groups of Member States", UN Department for General Assembly and Conference
# Management, https://www.un.org/dgacm/en/content/regional-groups (list as of 2024),
# counting Türkiye once, in the Western European and other States, and the United States
# there too, as the page lists it for electoral purposes.
PUBLISHED_COUNTS = {
    RegionalGroup.AFRICAN: 54,
    RegionalGroup.ASIA_PACIFIC: 54,
    RegionalGroup.EASTERN_EUROPEAN: 23,
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: 33,
    RegionalGroup.WESTERN_EUROPEAN_OTHER: 29,
}


def test_there_are_193_member_states():
    assert len(MEMBER_STATES) == 193
    assert sum(PUBLISHED_COUNTS.values()) == 193


def test_no_state_is_listed_in_two_groups():
    listed = Counter(code for codes in GROUPS.values() for code in codes)

    assert [code for code, times in listed.items() if times > 1] == []
    assert sum(listed.values()) == 193


def test_each_group_has_its_published_count():
    assert Counter(MEMBER_STATES.values()) == PUBLISHED_COUNTS


def test_no_member_state_is_without_a_group_or_marked_other():
    assert RegionalGroup.NONE not in MEMBER_STATES.values()
    assert RegionalGroup.OTHER not in MEMBER_STATES.values()


def test_every_code_is_a_django_countries_code():
    known = dict(countries)

    assert [code for code in MEMBER_STATES if code not in known] == []
    assert [code for code in ALSO_PARTICIPATES if code not in known] == []


def test_codes_are_upper_case_alpha_2():
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in MEMBER_STATES)


def test_turkiye_counts_in_weog_and_also_takes_part_in_asia_pacific():
    assert regional_group("TR") == RegionalGroup.WESTERN_EUROPEAN_OTHER
    assert ALSO_PARTICIPATES == {"TR": RegionalGroup.ASIA_PACIFIC}


def test_united_states_counts_in_weog_for_electoral_purposes():
    assert regional_group("US") == RegionalGroup.WESTERN_EUROPEAN_OTHER


def test_israel_is_in_weog():
    assert regional_group("IL") == RegionalGroup.WESTERN_EUROPEAN_OTHER


def test_kiribati_is_now_listed_in_asia_pacific():
    assert regional_group("KI") == RegionalGroup.ASIA_PACIFIC


@pytest.mark.parametrize("code", ["VA", "PS", "XK", "TW", "PR", "HK", "", "  ", "ZZ", "USA"])
def test_anything_not_a_member_state_is_other(code):
    assert regional_group(code) == RegionalGroup.OTHER


def test_none_is_other():
    assert regional_group(None) == RegionalGroup.OTHER  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "group"), [("tr", "western_european_other"), (" jp ", "asia_pacific")]
)
def test_codes_are_read_in_any_case_and_trimmed(code, group):
    assert regional_group(code) == group


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("KE", RegionalGroup.AFRICAN),
        ("NG", RegionalGroup.AFRICAN),
        ("EG", RegionalGroup.AFRICAN),
        ("ZA", RegionalGroup.AFRICAN),
        ("JP", RegionalGroup.ASIA_PACIFIC),
        ("CN", RegionalGroup.ASIA_PACIFIC),
        ("IN", RegionalGroup.ASIA_PACIFIC),
        ("CY", RegionalGroup.ASIA_PACIFIC),
        ("KZ", RegionalGroup.ASIA_PACIFIC),
        ("SA", RegionalGroup.ASIA_PACIFIC),
        ("FJ", RegionalGroup.ASIA_PACIFIC),
        ("PL", RegionalGroup.EASTERN_EUROPEAN),
        ("RU", RegionalGroup.EASTERN_EUROPEAN),
        ("GE", RegionalGroup.EASTERN_EUROPEAN),
        ("AM", RegionalGroup.EASTERN_EUROPEAN),
        ("AZ", RegionalGroup.EASTERN_EUROPEAN),
        ("UA", RegionalGroup.EASTERN_EUROPEAN),
        ("BR", RegionalGroup.LATIN_AMERICAN_CARIBBEAN),
        ("MX", RegionalGroup.LATIN_AMERICAN_CARIBBEAN),
        ("CU", RegionalGroup.LATIN_AMERICAN_CARIBBEAN),
        ("TT", RegionalGroup.LATIN_AMERICAN_CARIBBEAN),
        ("DE", RegionalGroup.WESTERN_EUROPEAN_OTHER),
        ("GB", RegionalGroup.WESTERN_EUROPEAN_OTHER),
        ("AU", RegionalGroup.WESTERN_EUROPEAN_OTHER),
        ("NZ", RegionalGroup.WESTERN_EUROPEAN_OTHER),
        ("CA", RegionalGroup.WESTERN_EUROPEAN_OTHER),
        ("MT", RegionalGroup.WESTERN_EUROPEAN_OTHER),
    ],
)
def test_spot_checks(code, group):
    assert regional_group(code) == group


def test_labels():
    assert RegionalGroup.ASIA_PACIFIC.label == "Asia-Pacific States"
    assert RegionalGroup.NONE.label == "No regional group"
    assert RegionalGroup.OTHER.label == "Other (not a Member State)"
