"""The participants of a call, as the PGA office and administrators read them: filters, summary
(with its chart and table), the table of people, its pages, and who may open it."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accreditation.models import Organization
from reviews.views.participants import CHART_SLUG
from tests import people
from tests.bulk import add_representatives
from tests.factories import CallFactory, MeetingFactory, OrganizationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

ALL = ["Amina Diallo", "Bruno Costa", "Chloé Martin", "Dana Lee", "Eli Sun"]
REGISTERED_AT = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)


def summit():
    """The call: New York, its registration window open."""
    return CallFactory(
        title="Summit on migration",
        slug="summit",
        registration_opens_at=timezone.now() - timedelta(days=3),
        registration_closes_at=timezone.now() + timedelta(days=3),
    )


def five_people(call):
    """Five people of four organizations in four regional groups, with every gender answer,
    attending one or two of the call's two meetings; and two of another call."""
    opening = MeetingFactory(call=call, title="Opening plenary")
    round_table = MeetingFactory(call=call, title="Round table on migration")
    elsewhere = CallFactory(slug="elsewhere")
    other_meeting = MeetingFactory(call=elsewhere, title="Another call's plenary")
    kenya = OrganizationFactory(name="Kenya Migrant Voices", acronym="KMV", country="KE",
                                type=Organization.Type.NGO)  # fmt: skip
    brazil = OrganizationFactory(name="Brazil Diaspora Council", acronym="", country="BR",
                                 type=Organization.Type.MIGRANT)  # fmt: skip
    france = OrganizationFactory(name="France Migration Institute", acronym="FMI", country="FR",
                                 type=Organization.Type.ACADEMIC)  # fmt: skip
    hong_kong = OrganizationFactory(name="Hong Kong Business Forum", acronym="HKBF",
                                    country="HK", type=Organization.Type.PRIVATE_SECTOR)  # fmt: skip
    only_elsewhere = OrganizationFactory(name="Elsewhere Network", country="KE")

    def person(name, organization, gender, meetings, nationality="KE"):
        return RepresentativeFactory(
            call=call,
            organization=organization,
            full_name=name,
            gender=gender,
            nationality=nationality,
            meetings=meetings,
            registered_at=REGISTERED_AT,
        )

    people_by_name = {
        "Amina Diallo": person("Amina Diallo", kenya, "female", [opening, round_table]),
        "Bruno Costa": person("Bruno Costa", brazil, "male", [opening], "BR"),
        "Chloé Martin": person("Chloé Martin", france, "female", [round_table], "FR"),
        "Dana Lee": person("Dana Lee", hong_kong, "another", [opening], "CN"),
        "Eli Sun": person("Eli Sun", kenya, "not_said", [round_table]),
    }
    # Another call's people never show.
    RepresentativeFactory(call=elsewhere, organization=only_elsewhere, full_name="Zed Other",
                          meetings=[other_meeting])  # fmt: skip
    RepresentativeFactory(call=elsewhere, organization=kenya, full_name="Yan Other",
                          meetings=[other_meeting])  # fmt: skip
    return {
        "opening": opening,
        "round_table": round_table,
        "other_meeting": other_meeting,
        "kenya": kenya,
        "brazil": brazil,
        "france": france,
        "hong_kong": hong_kong,
        "only_elsewhere": only_elsewhere,
        "people": people_by_name,
    }


@pytest.fixture
def call():
    return summit()


@pytest.fixture
def world(call):
    return five_people(call)


@pytest.fixture
def office():
    return people.signed_in_client(people.PGA_OFFICE_MEMBER)


def page_url(call, **filters):
    url = reverse("reviews:office_participants", args=[call.slug])
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{url}?{query}" if query else url


def names_on(response) -> list[str]:
    """The names in the participant table, in order."""
    content = response.content.decode()
    return [html.unescape(name) for name in re.findall(r'<th scope="row" dir="auto">([^<]*)</th>', content)]  # fmt: skip


def text_of(response) -> str:
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


# Filters ---------------------------------------------------------------------------------------


def test_everyone_of_the_call_is_listed_by_organization_then_name(world, call, office):
    response = office.get(page_url(call))

    assert response.status_code == 200
    # Brazil Diaspora Council, France Migration Institute, Hong Kong Business Forum, Kenya
    # Migrant Voices (Amina then Eli).
    assert names_on(response) == [
        "Bruno Costa",
        "Chloé Martin",
        "Dana Lee",
        "Amina Diallo",
        "Eli Sun",
    ]
    assert "Zed Other" not in response.content.decode()
    assert "Yan Other" not in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda w: {"meeting": w["opening"].pk}, ["Bruno Costa", "Dana Lee", "Amina Diallo"]),
        (lambda w: {"meeting": w["round_table"].pk}, ["Chloé Martin", "Amina Diallo", "Eli Sun"]),
        (lambda w: {"regional_group": "african"}, ["Amina Diallo", "Eli Sun"]),
        (lambda w: {"regional_group": "latin_american_caribbean"}, ["Bruno Costa"]),
        (lambda w: {"regional_group": "western_european_other"}, ["Chloé Martin"]),
        (lambda w: {"regional_group": "asia_pacific"}, []),
        (lambda w: {"regional_group": "other"}, ["Dana Lee"]),
        (lambda w: {"organization_type": "academic"}, ["Chloé Martin"]),
        (lambda w: {"organization_type": "ngo"}, ["Amina Diallo", "Eli Sun"]),
        (lambda w: {"gender": "female"}, ["Chloé Martin", "Amina Diallo"]),
        (lambda w: {"gender": "male"}, ["Bruno Costa"]),
        (lambda w: {"gender": "not_said"}, ["Eli Sun"]),
        (lambda w: {"organization": w["brazil"].pk}, ["Bruno Costa"]),
        (lambda w: {"organization": w["kenya"].pk}, ["Amina Diallo", "Eli Sun"]),
        (
            lambda w: {"meeting": w["round_table"].pk, "gender": "female"},
            ["Chloé Martin", "Amina Diallo"],
        ),
        (lambda w: {"meeting": w["opening"].pk, "regional_group": "african"}, ["Amina Diallo"]),
    ],
    ids=[
        "meeting-opening",
        "meeting-round-table",
        "group-african",
        "group-latin-america",
        "group-western",
        "group-asia-empty",
        "group-other",
        "type-academic",
        "type-ngo",
        "gender-female",
        "gender-male",
        "gender-not-said",
        "organization-brazil",
        "organization-kenya",
        "meeting-and-gender",
        "meeting-and-group",
    ],
)
def test_each_filter_narrows_the_rows(world, call, office, filters, expected):
    response = office.get(page_url(call, **filters(world)))

    assert response.status_code == 200
    assert names_on(response) == expected
    assert f"{len(expected)} participant" in text_of(response)


def test_the_filters_offer_only_this_calls_meetings_and_organizations(world, call, office):
    content = office.get(page_url(call)).content.decode()
    meeting_select = content[content.index('name="meeting"') : content.index("</select>", content.index('name="meeting"'))]  # fmt: skip
    organization_select = content[content.index('name="organization"') : content.index("</select>", content.index('name="organization"'))]  # fmt: skip

    assert "Opening plenary" in meeting_select
    assert "Another call&#x27;s plenary" not in meeting_select
    assert "Kenya Migrant Voices (KMV)" in organization_select
    assert "Elsewhere Network" not in organization_select
    # Every input has its label.
    for name in ("meeting", "regional_group", "organization_type", "gender", "organization"):
        assert f'<label class="form-label" for="id_{name}">' in content
    assert '<button type="submit" class="btn btn-primary">Filter</button>' in content
    assert f'<a href="{page_url(call)}">Show everyone</a>' in content


def test_a_filter_stays_chosen_on_the_page_it_gives(world, call, office):
    content = office.get(page_url(call, gender="male")).content.decode()

    assert '<option value="male" selected>Male</option>' in content
    assert '<option value="" selected>All meetings</option>' in content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("meeting", "not-a-number"),
        ("meeting", "9" * 20),
        ("meeting", "²"),
        ("meeting", "other-call"),
        ("regional_group", "mars"),
        ("organization_type", "government"),
        ("gender", "robot"),
        ("organization", "elsewhere"),
        ("organization", "-1"),
    ],
)
def test_a_bad_filter_gets_a_message_by_its_field_and_the_others_still_apply(
    world, call, office, field, value
):
    value = {
        "other-call": world["other_meeting"].pk,
        "elsewhere": world["only_elsewhere"].pk,
    }.get(value, value)
    # A good filter beside it still narrows the list.
    other = {"gender": "male"} if field != "gender" else {"regional_group": "other"}
    response = office.get(page_url(call, **{field: value}, **other))

    assert response.status_code == 200
    content = response.content.decode()
    error = re.search(rf'<p class="invalid-feedback d-block" id="id_{field}_error">([^<]*)</p>', content)  # fmt: skip
    assert error is not None
    assert "Select a valid choice" in html.unescape(error.group(1))
    assert "This filter is not applied." in error.group(1)
    select = re.search(rf'<select name="{field}"[^>]*>', content).group(0)
    assert 'class="form-select is-invalid"' in select
    assert 'aria-invalid="true"' in select
    assert re.search(rf'aria-describedby="[^"]*\bid_{field}_error"', select)
    assert content.count("invalid-feedback") == 1
    assert response.context["form"].errors.keys() == {field}
    assert names_on(response) == (["Bruno Costa"] if field != "gender" else ["Dana Lee"])
    assert "<title>Error:" in content


def test_a_filter_sent_twice_or_empty_is_no_error(world, call, office):
    response = office.get(page_url(call, gender="", meeting=""))

    assert response.status_code == 200
    assert not response.context["form"].errors
    assert len(names_on(response)) == 5


# The summary -------------------------------------------------------------------------------------


def table_after(content: str, caption: str) -> list[tuple[str, str, str]]:
    """The rows of the table with this caption: (label, count, share)."""
    start = content.index(caption)
    body = content[start : content.index("</table>", start)]
    return [
        (html.unescape(label), count, html.unescape(share))
        for label, count, share in re.findall(
            r'<tr><th scope="row">([^<]*)</th><td class="balance-number">([^<]*)</td>'
            r'<td class="balance-number">([^<]*)</td></tr>',
            body,
        )
    ]


def test_the_summary_counts_people_genders_and_regional_groups(world, call, office):
    response = office.get(page_url(call))
    content = response.content.decode()
    text = text_of(response)

    assert "5 participants are registered." in text
    assert "Women: 40%; men: 20%." in text
    assert table_after(content, "Participants per gender</caption>") == [
        ("Female", "2", "40%"),
        ("Male", "1", "20%"),
        ("Another gender", "1", "20%"),
        ("Prefers not to say", "1", "20%"),
        ("Total", "5", ""),
    ]
    assert table_after(content, "Participants per UN regional group</caption>") == [
        ("African States", "2", "40%"),
        ("Asia-Pacific States", "0", "0%"),
        ("Eastern European States", "0", "0%"),
        ("Latin American and Caribbean States", "1", "20%"),
        ("Western European and other States", "1", "20%"),
        ("Other (not a Member State)", "1", "20%"),
        ("Total", "5", ""),
    ]
    assert "regional group is that of their organization's country of headquarters" in html.unescape(content)  # fmt: skip


def test_the_summary_follows_the_filters(world, call, office):
    response = office.get(page_url(call, meeting=world["opening"].pk))
    content = response.content.decode()

    assert "3 participants match the filters." in text_of(response)
    assert table_after(content, "Participants per gender</caption>")[:2] == [
        ("Female", "1", "33.3%"),
        ("Male", "1", "33.3%"),
    ]
    assert table_after(content, "Participants per UN regional group</caption>")[0] == (
        "African States",
        "1",
        "33.3%",
    )


def test_the_chart_is_drawn_on_the_server_and_followed_by_its_table(world, call, office):
    content = office.get(page_url(call)).content.decode()
    caption_id = f"balance-{CHART_SLUG}-caption"

    chart_start = content.index("<svg")
    chart_end = content.index("</svg>") + len("</svg>")
    chart = content[chart_start:chart_end]
    assert f'aria-labelledby="{caption_id}"' in chart
    assert 'role="img"' in chart
    assert "African States" in chart
    # Its table comes right after it, with the caption that labels it.
    assert content[chart_end:].lstrip().startswith('<table class="balance-table">')
    assert content.index(f'<caption id="{caption_id}">') > chart_end
    assert "<script" not in content.replace('<script src="/static/js/error-summary.js" defer></script>', "")  # fmt: skip


def test_an_empty_call_says_so(call, office):
    response = office.get(page_url(call))

    assert response.status_code == 200
    assert "0 participants are registered." in text_of(response)
    assert "No representative is registered for this call yet." in text_of(response)


# The table -----------------------------------------------------------------------------------------


def test_each_row_shows_the_person_their_organization_and_meetings(world, call, office):
    amina = world["people"]["Amina Diallo"]
    content = office.get(page_url(call, gender="female")).content.decode()
    row = content[content.index(f"{amina.thumbnail_url()}") : content.index("</tr>", content.index(amina.thumbnail_url()))]  # fmt: skip

    assert f'<img src="{amina.thumbnail_url()}" alt="Photo of Amina Diallo"' in content
    assert "Amina Diallo" in row
    assert "Programme officer" in row
    assert "Female" in row
    assert "Kenya Migrant Voices (KMV)" in row
    assert "Kenya" in row
    assert '<li lang="en">Opening plenary</li><li lang="en">Round table on migration</li>' in row
    # 04:30 UTC on 1 December is 23:30 the day before in New York, the venue.
    assert "30 November 2026, 23:30 EST" in row
    assert 'datetime="2026-11-30T23:30:00-05:00"' in row


def test_the_downloads_carry_the_filters(world, call, office):
    content = office.get(page_url(call, gender="female", regional_group="mars")).content.decode()

    # The bad filter is left out of the downloads, as it is of the page.
    for extension in ("csv", "xlsx", "pdf"):
        url = reverse("reviews:office_participants_export", args=[call.slug, extension])
        assert f'href="{url}?gender=female"' in content


def test_pages_of_a_hundred(call, office):
    organization = OrganizationFactory()
    meeting = MeetingFactory(call=call)
    add_representatives(call, 250, organizations=[organization], meetings=[meeting])

    first = office.get(page_url(call))
    third = office.get(page_url(call, page=3))
    past_the_end = office.get(page_url(call, page=99))
    not_a_number = office.get(page_url(call, page="x²"))

    assert len(names_on(first)) == 100
    assert names_on(first)[0] == "Person 000000"
    assert names_on(third) == [f"Person {number:06d}" for number in range(200, 250)]
    assert "Participants 201 to 250 of 250" in text_of(third)
    # Past the end: the last page; no number: the first.
    assert past_the_end.status_code == 200
    assert names_on(past_the_end) == names_on(third)
    assert names_on(not_a_number) == names_on(first)
    assert 'href="?page=2"' in first.content.decode()


def test_pages_keep_the_filters(call, office):
    organization = OrganizationFactory()
    meeting = MeetingFactory(call=call)
    add_representatives(call, 420, organizations=[organization], meetings=[meeting])

    response = office.get(page_url(call, gender="female"))

    assert "105 participants match the filters." in text_of(response)
    assert 'href="?gender=female&amp;page=2"' in response.content.decode()
    second = office.get(page_url(call, gender="female", page=2))
    assert len(names_on(second)) == 5


# Who may open it -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (people.ANONYMOUS, 302),
        (people.APPLICANT_A, 403),
        (people.DELEGATE, 403),
        (people.REVIEWER, 403),
        (people.PGA_OFFICE_MEMBER, 200),
        (people.ADMINISTRATOR, 200),
    ],
)
@pytest.mark.parametrize("page", ["participants", "calls"])
def test_only_the_office_and_administrators_open_it(world, call, role, status, page):
    client = people.signed_in_client(role)
    url = page_url(call) if page == "participants" else reverse("reviews:office_participant_calls")

    response = client.get(url)

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    if status == 200:
        assert "Summit on migration" in text_of(response)


def test_an_unknown_call_is_not_found(office):
    assert office.get(reverse("reviews:office_participants", args=["nowhere"])).status_code == 404


# How it is reached ------------------------------------------------------------------------------


def test_the_office_home_and_the_navigation_link_the_participants(world, call, office):
    without_window = CallFactory(title="Call without registration")
    home = office.get(reverse("reviews:office_home")).content.decode()
    calls = office.get(reverse("reviews:office_participant_calls")).content.decode()

    for content in (home, calls):
        assert f'<a href="{page_url(call)}"><span lang="en">Summit on migration</span>: 5 participants</a>' in content  # fmt: skip
        assert page_url(without_window) not in content
        assert "Call without registration" not in content
        nav = content[content.index("<nav") : content.index("</nav>")]
        assert f'href="{reverse("reviews:office_participant_calls")}">Participants</a>' in nav


def test_a_call_with_representatives_but_no_window_is_linked(world, call, office):
    call.registration_opens_at = call.registration_closes_at = None
    call.save()

    home = office.get(reverse("reviews:office_home")).content.decode()

    assert page_url(call) in home


@pytest.mark.parametrize("role", [people.REVIEWER, people.APPLICANT_A, people.DELEGATE])
def test_the_navigation_link_is_only_for_those_who_may_follow_it(world, role):
    client = people.signed_in_client(role)
    content = client.get(reverse("events:call_list")).content.decode()

    assert reverse("reviews:office_participant_calls") not in content


def test_an_administrator_gets_the_navigation_link(world):
    client = people.signed_in_client(people.ADMINISTRATOR)
    content = client.get(reverse("events:call_list")).content.decode()

    assert reverse("reviews:office_participant_calls") in content


# The page's queries do not grow with the participants -----------------------------------------

PAGE_QUERIES = 14


@pytest.mark.parametrize("filtered", [False, True], ids=["everyone", "filtered"])
def test_queries_do_not_grow_with_participants(call, office, django_assert_max_num_queries, filtered):  # fmt: skip
    organizations = [
        OrganizationFactory(name=f"Organization {number}", country=country)
        for number, country in enumerate(["KE", "FR", "BR", "CN", "HK"])
    ]
    meetings = [MeetingFactory(call=call), MeetingFactory(call=call)]
    filters = (
        {"meeting": meetings[1].pk, "gender": "female", "organization": organizations[0].pk}
        if filtered
        else {}
    )
    office.get(page_url(call))  # the session and permissions, as on any later page

    add_representatives(call, 10, organizations=organizations, meetings=meetings)
    with django_assert_max_num_queries(PAGE_QUERIES) as small:
        response = office.get(page_url(call, **filters))
    assert len(names_on(response)) == (10 if not filtered else 1)

    add_representatives(call, 990, organizations=organizations, meetings=meetings, start=10)
    with django_assert_max_num_queries(PAGE_QUERIES) as large:
        response = office.get(page_url(call, **filters))
    assert len(names_on(response)) == (100 if not filtered else 50)
    assert len(large.captured_queries) == len(small.captured_queries)
