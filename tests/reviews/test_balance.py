"""The balance panel of a list: every number and warning, its queries, its charts, its tables."""

import re
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from accreditation.models import Application, Gender, Organization, ProposedParticipant
from reviews.balance import BAR_COLOUR, COUNTRY_CHART_MAX_BARS, Tally, balance_of
from reviews.models import ListEntry, MemberStateList
from reviews.regional_groups import MEMBER_STATES, RegionalGroup
from tests.factories import ApplicationFactory, CallFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
F, M, A, N = Gender.FEMALE, Gender.MALE, Gender.ANOTHER, Gender.NOT_SAID
T = Organization.Type

# Ten organizations: five African (three from Kenya), one Asia-Pacific, none Eastern
# European, one Latin American and Caribbean, two Western European and other, and the State
# of Palestine, which is not a Member State. Two women, six men, one of another gender and
# one who prefers not to say.
UNBALANCED = [
    ("KE", T.NGO, [F, M]),
    ("KE", T.NGO, [M, M]),
    ("KE", T.MIGRANT, [M]),
    ("NG", T.DIASPORA, [A]),
    ("IN", T.ACADEMIC, [M, N]),
    ("BR", T.CIVIL_SOCIETY, [F]),
    ("FR", T.NGO, [M]),
    ("US", T.PRIVATE_SECTOR, []),
    ("PS", T.NGO, []),
    ("CI", T.MIGRANT, []),
]

# Eight organizations, every group; France holds exactly a quarter, women exactly 40% of the
# women and men; three who prefer not to say would bring women under 40% if they counted.
BALANCED = [
    ("KE", T.NGO, [F]),
    ("NG", T.MIGRANT, [M]),
    ("IN", T.ACADEMIC, [F, N]),
    ("JP", T.NGO, [M]),
    ("PL", T.DIASPORA, [M, N]),
    ("BR", T.CIVIL_SOCIETY, [N]),
    ("FR", T.OTHER, []),
    ("FR", T.PRIVATE_SECTOR, []),
]


def make_list(specs, *, call=None):
    """A draft list with one application per (country, type, genders), and its participants."""
    the_list = MemberStateList.objects.create(call=call or CallFactory(), version=1)
    for country, kind, genders in specs:
        application = ApplicationFactory(
            call=the_list.call, organization=OrganizationFactory(country=country, type=kind)
        )
        ListEntry.objects.create(list=the_list, application=application)
        ProposedParticipant.objects.bulk_create(
            ProposedParticipant(
                application=application,
                full_name=f"Participant {position}",
                function="Director",
                gender=gender,
                position=position,
            )
            for position, gender in enumerate(genders)
        )
    return the_list


def on(the_list):
    return Application.objects.filter(list_entries__list=the_list)


def rows(tallies):
    return [(row.key, row.label, row.count) for row in tallies]


@pytest.fixture
def unbalanced():
    the_list = make_list(UNBALANCED)
    # Not on the list: an Eastern European organization with two women, applying to the same
    # call, must change nothing.
    outsider = ApplicationFactory(
        call=the_list.call, organization=OrganizationFactory(country="PL", type=T.OTHER)
    )
    ProposedParticipant.objects.create(
        application=outsider, full_name="Outside", function="Chair", gender=F
    )
    return the_list


def test_every_number_of_a_list_with_known_regions_countries_types_and_genders(unbalanced):
    balance = balance_of(on(unbalanced))

    assert balance.organizations == 10
    assert balance.participants == 10
    assert rows(balance.regional_groups) == [
        ("african", "African States", 5),
        ("asia_pacific", "Asia-Pacific States", 1),
        ("eastern_european", "Eastern European States", 0),
        ("latin_american_caribbean", "Latin American and Caribbean States", 1),
        ("western_european_other", "Western European and other States", 2),
        ("other", "Other (not a Member State)", 1),
    ]
    assert rows(balance.countries) == [
        ("KE", "Kenya", 3),
        ("BR", "Brazil", 1),
        ("CI", "Côte d'Ivoire", 1),
        ("FR", "France", 1),
        ("IN", "India", 1),
        ("NG", "Nigeria", 1),
        ("PS", "Palestine", 1),
        ("US", "United States of America", 1),
    ]
    assert rows(balance.types) == [
        ("ngo", "Non-governmental organization", 4),
        ("civil_society", "Civil-society organization", 1),
        ("diaspora", "Diaspora organization", 1),
        ("migrant", "Migrant organization", 2),
        ("academic", "Academic institution", 1),
        ("private_sector", "Private-sector entity", 1),
        ("other", "Other", 0),
    ]
    assert rows(balance.genders) == [
        ("female", "Female", 2),
        ("male", "Male", 6),
        ("another", "Another gender", 1),
        ("not_said", "Prefers not to say", 1),
    ]
    assert [row.percent for row in balance.regional_groups] == [
        "50%",
        "10%",
        "0%",
        "10%",
        "20%",
        "10%",
    ]
    assert {row.total for row in balance.regional_groups + balance.countries + balance.types} == {
        10
    }
    assert {row.total for row in balance.genders} == {10}
    assert balance.country_share_max == 0.25
    assert balance.gender_share_min == 0.4
    assert (balance.country_limit, balance.gender_limit) == ("25%", "40%")


def test_each_warning_of_an_unbalanced_list_in_words(unbalanced):
    balance = balance_of(on(unbalanced))

    assert balance.warnings == [
        "No organization from the Eastern European States is on the list.",
        "Kenya has 3 of the 10 organizations on the list (30%), more than the 25% set as the "
        "most for one country.",
        "Women are 2 of the 8 proposed participants whose gender is female or male (25%), "
        "under the 40% set as the least for each.",
    ]


def test_a_balanced_list_raises_no_warning_even_at_the_limits():
    balance = balance_of(on(make_list(BALANCED)))

    assert balance.warnings == []
    assert [row.count for row in balance.regional_groups] == [2, 2, 1, 1, 2]
    assert rows(balance.countries)[0] == ("FR", "France", 2)
    assert [row.count for row in balance.genders] == [2, 3, 0, 3]
    assert balance.participants == 8


def test_another_gender_and_prefers_not_to_say_are_left_out_of_the_gender_check():
    # One woman, one man, five who prefer not to say and one of another gender: half and half.
    the_list = make_list(
        [("KE", T.NGO, [F, N, N, N]), ("IN", T.NGO, [M, N, N, A])]
        + [(code, T.NGO, []) for code in ("PL", "BR", "FR")]
    )

    assert balance_of(on(the_list)).warnings == []


def test_men_under_the_share_are_warned_about_too():
    the_list = make_list(
        [("KE", T.NGO, [F, F]), ("IN", T.NGO, [F, M])]
        + [(code, T.NGO, []) for code in ("PL", "BR", "FR")]
    )

    assert balance_of(on(the_list)).warnings == [
        "Men are 1 of the 4 proposed participants whose gender is female or male (25%), "
        "under the 40% set as the least for each."
    ]


def test_one_participant_is_named_in_the_singular():
    the_list = make_list([("KE", T.NGO, [M])] + [(c, T.NGO, []) for c in ("IN", "PL", "BR", "FR")])

    assert balance_of(on(the_list)).warnings == [
        "Women are 0 of the 1 proposed participant whose gender is female or male (0%), "
        "under the 40% set as the least for each."
    ]


def test_the_country_check_waits_for_four_organizations():
    three_from_kenya = make_list([("KE", T.NGO, [])] * 3)

    balance = balance_of(on(three_from_kenya))

    assert balance.countries[0].count == 3
    assert not [warning for warning in balance.warnings if "Kenya" in warning]
    assert len(balance.warnings) == 4  # the four other regional groups


def test_two_countries_over_the_share_each_get_a_warning():
    the_list = make_list([("KE", T.NGO, [])] * 2 + [("FR", T.NGO, [])] * 2)

    warnings = balance_of(on(the_list)).warnings

    assert (
        "France has 2 of the 4 organizations on the list (50%), more than the 25% set as the "
        "most for one country." in warnings
    )
    assert (
        "Kenya has 2 of the 4 organizations on the list (50%), more than the 25% set as the "
        "most for one country." in warnings
    )


def test_the_limits_come_from_the_settings(settings, unbalanced):
    settings.LIST_COUNTRY_SHARE_MAX = 0.3
    settings.LIST_GENDER_SHARE_MIN = 0.25

    balance = balance_of(on(unbalanced))

    assert balance.warnings == ["No organization from the Eastern European States is on the list."]

    settings.LIST_COUNTRY_SHARE_MAX = 0.05
    settings.LIST_GENDER_SHARE_MIN = 0.8

    warnings = balance_of(on(unbalanced)).warnings

    assert len(warnings) == 1 + 8 + 2  # the group, each of the eight countries, both genders
    assert (
        "Brazil has 1 of the 10 organizations on the list (10%), more than the 5% set as the "
        "most for one country." in warnings
    )
    assert warnings[-1] == (
        "Men are 6 of the 8 proposed participants whose gender is female or male (75%), "
        "under the 80% set as the least for each."
    )


def test_a_percentage_in_a_warning_is_rounded_away_from_the_limit(settings):
    # 4 of 15 is 26.67%: shown as 26.7% (more than 26%); 2 of 6 men is 33.33%: 33.3%.
    settings.LIST_COUNTRY_SHARE_MAX = 0.26
    the_list = make_list(
        [("KE", T.NGO, [F])] * 4
        + [("IN", T.NGO, [M]), ("PL", T.NGO, [M])]
        + [(code, T.NGO, []) for code in ("BR", "FR", "US", "JP", "CN", "NG", "EG", "MX", "DE")]
    )

    warnings = balance_of(on(the_list)).warnings

    assert warnings == [
        "Kenya has 4 of the 15 organizations on the list (26.7%), more than the 26% set as the "
        "most for one country.",
        "Men are 2 of the 6 proposed participants whose gender is female or male (33.3%), "
        "under the 40% set as the least for each.",
    ]


def test_an_empty_list_says_so_once_and_counts_zeros():
    balance = balance_of(on(make_list([])))

    assert balance.organizations == balance.participants == 0
    assert [row.count for row in balance.regional_groups] == [0, 0, 0, 0, 0]
    assert balance.countries == ()
    assert [row.count for row in balance.types] == [0] * 7
    assert [row.count for row in balance.genders] == [0] * 4
    assert [row.percent for row in balance.genders] == ["0%"] * 4
    assert balance.warnings == ["The list has no organization yet: no regional group is on it."]


def test_an_organization_with_two_applications_counts_once(unbalanced):
    organization = OrganizationFactory(country="PL", type=T.NGO)
    first = ApplicationFactory(organization=organization)
    second = ApplicationFactory(organization=organization)
    ProposedParticipant.objects.create(application=first, full_name="A", function="B", gender=F)

    balance = balance_of(Application.objects.filter(pk__in=[first.pk, second.pk]))

    assert balance.organizations == 1
    assert balance.participants == 1
    assert balance.countries[0].count == 1


def test_a_list_of_applications_gives_the_same_balance_as_the_queryset(unbalanced):
    applications = list(on(unbalanced))

    assert balance_of(applications) == balance_of(on(unbalanced))


def test_labels_and_warnings_follow_the_readers_language(unbalanced):
    with translation.override("fr"):
        balance = balance_of(on(unbalanced))
        african = str(RegionalGroup.AFRICAN.label)

    assert african != "African States"
    assert balance.regional_groups[0].label == african
    assert ("US", "États-Unis d'Amérique", 1) in rows(balance.countries)


def add_applications(count):
    """``count`` organizations across every Member State and type, and a list holding them."""
    call = CallFactory()
    codes = sorted(MEMBER_STATES)
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Organization {number}",
            type=T.values[number % len(T.values)],
            country=codes[number % len(codes)],
            city="Capital",
            year_established=2000,
            homepage=f"https://org{number}.example",
            contact_email=f"office{number}@example.org",
            phone="+1 000",
            head_name="Head",
            head_title="Director",
            areas_of_work="Migration",
        )
        for number in range(count)
    )
    applications = Application.objects.bulk_create(
        Application(organization=organization, call=call) for organization in organizations
    )
    the_list = MemberStateList.objects.create(call=call, version=1)
    ListEntry.objects.bulk_create(
        ListEntry(list=the_list, application=application) for application in applications
    )
    ProposedParticipant.objects.bulk_create(
        ProposedParticipant(
            application=application,
            full_name="Participant",
            function="Director",
            gender=Gender.values[(number + slot) % len(Gender.values)],
            position=slot,
        )
        for number, application in enumerate(applications)
        for slot in range(2)
    )
    return the_list


@pytest.mark.parametrize("count", [10, 500])
def test_the_balance_takes_two_queries_whatever_the_number_of_applications(
    django_assert_max_num_queries, count
):
    the_list = add_applications(count)

    with django_assert_max_num_queries(2):
        balance = balance_of(on(the_list).select_related("organization"))

    assert balance.organizations == count
    assert balance.participants == 2 * count
    assert sum(row.count for row in balance.regional_groups) == count
    assert sum(row.count for row in balance.countries) == count
    assert len(balance.countries) == min(count, len(MEMBER_STATES))
    assert sum(row.count for row in balance.types) == count
    assert sum(row.count for row in balance.genders) == 2 * count


def test_the_country_chart_shows_the_countries_with_most_organizations_and_says_so():
    balance = balance_of(on(add_applications(40)))

    countries = next(chart for chart in balance.charts() if chart.slug == "countries")

    assert len(countries.rows) == 40
    assert countries.note == (
        f"The chart shows the {COUNTRY_CHART_MAX_BARS} countries with the most organizations; "
        "the table lists all 40."
    )
    assert countries.rows[0].label in texts(countries.svg)
    assert countries.svg.count(f"fill: {BAR_COLOUR}") == COUNTRY_CHART_MAX_BARS


def texts(svg: str) -> str:
    """Every text of an SVG, in order, each line a word apart (a long label wraps)."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return " ".join("".join(text.itertext()) for text in root.iter(f"{SVG}text"))


def test_each_chart_is_well_formed_svg_with_its_labels_and_numbers_as_text(unbalanced):
    balance = balance_of(on(unbalanced))

    charts = balance.charts()

    assert [chart.slug for chart in charts] == ["regional-groups", "countries", "types", "genders"]
    assert [chart.rows for chart in charts] == [
        balance.regional_groups,
        balance.countries,
        balance.types,
        balance.genders,
    ]
    ids = []
    for chart in charts:
        root = ET.fromstring(chart.svg)  # noqa: S314 - our own output
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == chart.caption_id == f"balance-{chart.slug}-caption"
        assert root.get("width") == "100%"
        assert root.get("height") is None
        assert len(root.get("viewBox").split()) == 4
        assert list(root.iter(f"{SVG}style")) == []
        assert list(root.iter(f"{SVG}metadata")) == []
        ids += [element.get("id") for element in root.iter() if element.get("id")]
        words = texts(chart.svg)
        assert chart.title in words
        for row in chart.rows:
            assert row.label in words
            assert str(row.count) in words
    assert len(ids) == len(set(ids)), "ids must not clash between charts on one page"
    assert all(identifier.startswith("balance-") for identifier in ids)


def test_chart_colours_keep_three_to_one_against_white(unbalanced):
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    svg = balance_of(on(unbalanced)).charts()[0].svg

    colours = {c.lower() for c in re.findall(r"(?:fill|stroke): (#[0-9a-fA-F]{6})", svg)}
    colours -= {"#ffffff"}
    assert colours
    for colour in colours:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour


def test_a_label_is_escaped_in_the_chart_and_the_table(unbalanced):
    odd = OrganizationFactory(country="PL", type=T.NGO)
    Organization.objects.filter(pk=odd.pk).update(type="<i>x</i>&$1$")
    ListEntry.objects.create(
        list=unbalanced, application=ApplicationFactory(call=unbalanced.call, organization=odd)
    )
    balance = balance_of(on(unbalanced))

    types = balance.charts()[2]
    html = render_to_string("reviews/includes/balance_panel.html", {"balance": balance})

    assert ("<i>x</i>&$1$", "<i>x</i>&$1$", 1) in rows(balance.types)
    assert "<i>" not in types.svg
    assert "&lt;i&gt;x&lt;/i&gt;&amp;$1$" in types.svg
    assert "<i>" not in html
    assert "&lt;i&gt;x&lt;/i&gt;&amp;$1$" in html


def test_charts_drawn_in_threads_at_once_are_those_drawn_one_by_one(unbalanced):
    balance = balance_of(on(unbalanced))
    alone = [chart.svg for chart in balance.charts()]
    results = [None] * 4

    def draw(index):
        results[index] = [chart.svg for chart in balance.charts()]

    threads = [threading.Thread(target=draw, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [alone] * 4


class Tables(HTMLParser):
    """The panel's tables (caption and rows of cell texts), its warnings and its SVG roots."""

    def __init__(self):
        super().__init__()
        self.tables, self.warnings, self.svgs, self.status = [], [], [], []
        self.cell = self.item = None
        self.in_status = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("role") == "status":
            self.in_status = 1
            self.status.append(attrs)
        elif tag == "div" and self.in_status:
            self.in_status += 1
        if tag == "svg":
            self.svgs.append(attrs)
        elif tag == "table":
            self.tables.append({"caption": None, "caption_id": None, "rows": [], "scopes": []})
        elif tag == "caption":
            self.tables[-1]["caption_id"] = attrs.get("id")
            self.cell = []
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in {"th", "td"}:
            self.cell = []
            if tag == "th":
                self.tables[-1]["scopes"].append(attrs.get("scope"))
        elif tag == "li" and self.in_status:
            self.item = []

    def handle_endtag(self, tag):
        if tag == "div" and self.in_status:
            self.in_status -= 1
        if tag == "caption":
            self.tables[-1]["caption"] = "".join(self.cell).strip()
            self.cell = None
        elif tag in {"th", "td"}:
            self.tables[-1]["rows"][-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "li" and self.item is not None:
            self.warnings.append("".join(self.item).strip())
            self.item = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.item is not None:
            self.item.append(data)


def read_panel(balance):
    html = render_to_string("reviews/includes/balance_panel.html", {"balance": balance})
    parser = Tables()
    parser.feed(html)
    parser.close()
    return html, parser


def test_the_panel_shows_the_warnings_first_then_each_chart_and_its_table(unbalanced):
    balance = balance_of(on(unbalanced))

    html, panel = read_panel(balance)

    assert panel.warnings == balance.warnings
    assert len(panel.status) == 1
    assert html.index('role="status"') < html.index("<svg")
    assert [table["caption"] for table in panel.tables] == [
        "Organizations per UN regional group",
        "Organizations per country of headquarters",
        "Organizations per type",
        "Proposed participants per gender",
    ]
    assert [svg["aria-labelledby"] for svg in panel.svgs] == [
        table["caption_id"] for table in panel.tables
    ]
    assert all(svg["role"] == "img" and svg["width"] == "100%" for svg in panel.svgs)
    regional, countries, types, genders = (table["rows"] for table in panel.tables)
    assert regional == [
        ["Regional group", "Organizations", "Share"],
        ["African States", "5", "50%"],
        ["Asia-Pacific States", "1", "10%"],
        ["Eastern European States", "0", "0%"],
        ["Latin American and Caribbean States", "1", "10%"],
        ["Western European and other States", "2", "20%"],
        ["Other (not a Member State)", "1", "10%"],
        ["Total", "10", ""],
    ]
    assert countries[1:] == [
        ["Kenya", "3", "30%"],
        ["Brazil", "1", "10%"],
        ["Côte d'Ivoire", "1", "10%"],
        ["France", "1", "10%"],
        ["India", "1", "10%"],
        ["Nigeria", "1", "10%"],
        ["Palestine", "1", "10%"],
        ["United States of America", "1", "10%"],
        ["Total", "10", ""],
    ]
    assert types[1:] == [
        ["Non-governmental organization", "4", "40%"],
        ["Civil-society organization", "1", "10%"],
        ["Diaspora organization", "1", "10%"],
        ["Migrant organization", "2", "20%"],
        ["Academic institution", "1", "10%"],
        ["Private-sector entity", "1", "10%"],
        ["Other", "0", "0%"],
        ["Total", "10", ""],
    ]
    assert genders == [
        ["Gender", "Proposed participants", "Share"],
        ["Female", "2", "20%"],
        ["Male", "6", "60%"],
        ["Another gender", "1", "10%"],
        ["Prefers not to say", "1", "10%"],
        ["Total", "10", ""],
    ]
    for table in panel.tables:
        assert set(table["scopes"]) == {"col", "row"}
    assert "10 organizations are on the list." in html
    assert "Their applications propose 10 participants." in html
    assert "<script" not in html
    # The including page gives the heading; the panel's ids are its own, once each.
    assert "<h2" not in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert all(identifier.startswith("balance-") for identifier in ids)


def test_a_balanced_panel_says_there_is_no_warning():
    html, panel = read_panel(balance_of(on(make_list(BALANCED))))

    assert panel.warnings == []
    assert "No warning." in html
    assert len(panel.tables) == 4


def test_an_empty_panel_renders_its_tables_with_zeros():
    html, panel = read_panel(balance_of(on(make_list([]))))

    assert panel.warnings == ["The list has no organization yet: no regional group is on it."]
    countries = panel.tables[1]["rows"]
    assert countries == [
        ["Country", "Organizations", "Share"],
        ["None yet."],
        ["Total", "0", ""],
    ]
    assert "None yet" in html


def test_the_two_limits_are_settings_read_from_the_environment_and_documented():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    source = (Path(settings.BASE_DIR) / "accreditation" / "settings.py").read_text()

    for name, default in (("LIST_COUNTRY_SHARE_MAX", "0.25"), ("LIST_GENDER_SHARE_MIN", "0.4")):
        assert f'os.environ.get("{name}", "{default}")' in source
        assert f"| `{name}` | `{default}` |" in readme


def test_a_tally_gives_its_share_to_one_decimal_where_it_has_one():
    assert Tally("x", "X", 1, 3).percent == "33.3%"
    assert Tally("x", "X", 1, 8).percent == "12.5%"
    assert Tally("x", "X", 2, 8).percent == "25%"
    assert Tally("x", "X", 2, 8).share == 0.25
    assert Tally("x", "X", 0, 0).share == 0.0
