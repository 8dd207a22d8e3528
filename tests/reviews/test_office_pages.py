"""The PGA office's pages: a call's list drawn up, circulated and finalized in the browser's
terms (the test client), what each page shows, and who may open them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accreditation.models import Application, ProposedParticipant, Status
from reviews import services
from reviews.models import ListEvent, MemberStateList, SharedItem
from tests import people
from tests.factories import CallFactory, application_in

pytestmark = pytest.mark.django_db


def recommended(call, name, country="KE"):
    application = application_in(Status.RECOMMENDED)
    Application.objects.filter(pk=application.pk).update(call=call)
    application.organization.name = name
    application.organization.country = country
    application.organization.save()
    application.refresh_from_db()
    return application


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.fixture
def call():
    # New York: deadlines are typed in its time zone.
    return CallFactory(slug="summit")


@pytest.fixture
def office_client():
    return people.signed_in_client(people.PGA_OFFICE_MEMBER)


def list_url(call):
    return reverse("reviews:office_list", args=[call.slug])


def test_the_office_builds_and_circulates_a_list_from_its_pages(call, office_client):
    alpha, beta = recommended(call, "Alpha Voices"), recommended(call, "Beta Council", "BR")
    delegate = people.delegate()

    office_client.post(list_url(call))
    draft = MemberStateList.objects.get(call=call)
    page = office_client.get(list_url(call))
    assert "Recommended, not on the list" in text_of(page)
    assert "Version 1: Draft." in text_of(page)

    office_client.post(reverse("reviews:office_add", args=[draft.pk]), {"application": alpha.pk})
    refused = office_client.post(
        reverse("reviews:office_leave_off", args=[draft.pk]),
        {"application": beta.pk, "reason": ""},
        follow=True,
    )
    assert "Say why the organization is left off the list." in text_of(refused)
    office_client.post(
        reverse("reviews:office_leave_off", args=[draft.pk]),
        {"application": beta.pk, "reason": "Not independent of a government."},
    )
    mail.outbox.clear()
    response = office_client.post(
        reverse("reviews:office_circulate", args=[draft.pk]),
        {"objection_deadline": "2027-01-10T18:00"},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.status == MemberStateList.Status.CIRCULATED
    # 18:00 in New York in January is 23:00 UTC.
    assert draft.objection_deadline == datetime(2027, 1, 10, 23, 0, tzinfo=UTC)
    assert "Version 1 is circulated; 1 delegate is mailed." in text_of(response)
    assert [message.to for message in mail.outbox] == [[delegate.email]]
    assert "Not independent of a government." in text_of(response)  # on the record


def test_a_deadline_in_the_past_is_refused_by_its_field_and_nothing_is_lost(call, office_client):
    application = recommended(call, "Alpha Voices")
    draft = services.draft_list(call=call, by=people.pga_office())
    services.add_to_list(member_state_list=draft, application=application, by=people.pga_office())

    response = office_client.post(
        reverse("reviews:office_circulate", args=[draft.pk]),
        {"objection_deadline": "2001-01-01T10:00"},
    )

    assert response.status_code == 200
    assert "The deadline for objections must be in the future." in text_of(response)
    assert 'value="2001-01-01T10:00"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == MemberStateList.Status.DRAFT


@pytest.mark.parametrize(
    "value", ["tomorrow", "2030-13-45T99:99", "\x00", "9" * 100_000, "9999-12-31T23:00"]
)
def test_bad_deadlines_get_a_message_never_a_500(call, office_client, value):
    draft = services.draft_list(call=call, by=people.pga_office())

    response = office_client.post(
        reverse("reviews:office_circulate", args=[draft.pk]), {"objection_deadline": value}
    )

    assert response.status_code in {200, 400}
    assert response.status_code == 400 or (
        "Enter the date and time" in text_of(response) or "within a year" in text_of(response)
    )


def circulated_list(call, *names):
    office = people.pga_office()
    draft = services.draft_list(call=call, by=office)
    for name in names:
        services.add_to_list(
            member_state_list=draft, application=recommended(call, name), by=office
        )
    return services.circulate(
        member_state_list=draft, by=office, objection_deadline=timezone.now() + timedelta(days=7)
    )


def test_the_office_sees_every_objection_and_request_and_shares(call, office_client):
    member_state_list = circulated_list(call, "Alpha Voices", "Beta Council")
    alpha = member_state_list.entries.get(application__organization__name="Alpha Voices")
    services.lodge_objection(entry=alpha, by=people.delegate(), reason="Not independent.")
    services.request_information(entry=alpha, item=SharedItem.REASON, by=people.delegate())

    page = office_client.get(list_url(call))
    text = text_of(page)
    assert "France" in text
    assert "Not independent." in text
    assert "France asks for the reason for participation of Alpha Voices" in text

    response = office_client.post(
        reverse("reviews:office_share", args=[member_state_list.pk]),
        {"entry": alpha.pk, "item": "reason"},
        follow=True,
    )
    alpha.refresh_from_db()
    assert alpha.reason_shared
    assert "shared with every Member State" in text_of(response)


def test_finalizing_from_the_page_after_the_deadline_and_the_public_page(call, office_client):
    member_state_list = circulated_list(call, "Alpha Voices", "Beta Council")
    beta = member_state_list.entries.get(application__organization__name="Beta Council")
    services.lodge_objection(entry=beta, by=people.delegate())
    finalize = reverse("reviews:office_finalize", args=[member_state_list.pk])

    early = office_client.post(finalize, follow=True)
    assert "Member States may object until" in text_of(early)

    call.is_published = True
    call.save()
    with time_machine.travel(member_state_list.objection_deadline + timedelta(hours=1)):
        # A week later: a new session.
        office_client = people.signed_in_client(people.PGA_OFFICE_MEMBER)
        done = office_client.post(finalize, follow=True)
        again = office_client.post(finalize, follow=True)
        public = office_client.get(reverse("reviews:accredited", args=[call.slug]))

    assert "1 accredited, 1 not accredited" in text_of(done)
    assert "already finalized; nothing changed" in text_of(again)
    assert "Alpha Voices" in text_of(public)
    assert "Beta Council" not in text_of(public)


def test_a_new_version_is_compared_with_the_last_one(call, office_client):
    member_state_list = circulated_list(call, "Alpha Voices", "Beta Council")
    office_client.post(reverse("reviews:office_new_version", args=[call.slug]))
    newer = MemberStateList.objects.get(call=call, version=2)
    beta = Application.objects.get(organization__name="Beta Council")

    refused = office_client.post(
        reverse("reviews:office_remove", args=[newer.pk]), {"application": beta.pk}, follow=True
    )
    assert "say why it is taken off" in text_of(refused)
    office_client.post(
        reverse("reviews:office_remove", args=[newer.pk]),
        {"application": beta.pk, "reason": "It withdrew its request."},
    )
    compared = office_client.get(
        reverse("reviews:office_compare", args=[newer.pk, member_state_list.pk])
    )

    assert "<td>Beta Council</td><td>Taken off</td>" in compared.content.decode()
    assert ListEvent.objects.get(kind=ListEvent.Kind.REMOVED).reason == "It withdrew its request."


def test_the_list_page_asks_the_database_the_same_number_of_times_for_10_or_60_entries(
    call, office_client, django_assert_max_num_queries
):
    def page_for(count):
        draft = services.draft_list(call=call, by=people.pga_office())
        for number in range(count):
            application = recommended(call, f"Organization {draft.entries.count() + number}")
            ProposedParticipant.objects.create(
                application=application, full_name="A. Person", function="Director", gender="female"
            )
            services.add_to_list(
                member_state_list=draft, application=application, by=people.pga_office()
            )
        return draft

    page_for(10)
    with django_assert_max_num_queries(40) as few:
        office_client.get(list_url(call))
    page_for(50)
    with django_assert_max_num_queries(len(few.captured_queries)):
        office_client.get(list_url(call))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (people.ANONYMOUS, 302),
        (people.APPLICANT_A, 403),
        (people.DELEGATE, 403),
        (people.REVIEWER, 403),
        (people.ADMINISTRATOR, 403),
        (people.PGA_OFFICE_MEMBER, 200),
        (people.SUPERUSER, 200),
    ],
)
def test_only_the_pga_office_opens_its_pages(call, role, status):
    recommended(call, "Alpha Voices")
    client = people.signed_in_client(role)

    response = client.get(reverse("reviews:office_home"))

    assert response.status_code == status
    if status == 200:
        assert "Lists for Member States" in text_of(response)
        assert call.title in text_of(response)


def test_the_applications_own_timeline_shows_its_list_events_to_the_office(call, office_client):
    member_state_list = circulated_list(call, "Alpha Voices")
    entry = member_state_list.entries.get()
    services.lodge_objection(entry=entry, by=people.delegate(), reason="Not independent.")
    page = reverse("admin:accreditation_application_change", args=[entry.application.pk])

    office_view = text_of(office_client.get(page))
    reviewer_view = text_of(people.signed_in_client(people.REVIEWER).get(page))

    assert "List for Member States, version 1: Added to the list by" in office_view
    assert "List for Member States, version 1: Objection lodged, France by" in office_view
    assert "Not independent." in office_view
    assert "Objection lodged" not in reviewer_view


def test_the_office_home_counts_each_application_once_whatever_the_versions(call, office_client):
    circulated_list(call, "Alpha Voices", "Beta Council")
    office_client.post(reverse("reviews:office_new_version", args=[call.slug]))

    text = text_of(office_client.get(reverse("reviews:office_home")))

    assert "Recommended: 2" in text
    assert "Version 2: Draft" in text


@pytest.mark.parametrize("value", ["²", "-1", "1e3", ""])
def test_a_crafted_id_is_not_found_never_a_500(call, office_client, value):
    draft = services.draft_list(call=call, by=people.pga_office())

    response = office_client.post(
        reverse("reviews:office_add", args=[draft.pk]), {"application": value}
    )

    assert response.status_code == 404


def test_the_suggested_deadline_is_written_in_the_venues_time(call, office_client):
    recommended(call, "Alpha Voices")
    office_client.post(list_url(call))

    page = office_client.get(list_url(call)).content.decode()

    # 18:00 at the venue (New York), as the label says; not converted to UTC.
    assert 'T18:00"' in page
