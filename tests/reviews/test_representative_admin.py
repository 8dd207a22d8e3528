"""Representatives and the registration record in the admin: read by the PGA office and
administrators, changed by nobody there (the focal points' pages and their services change
representatives, and the record is append-only); reviewers see no representative."""

import pytest
from django.urls import reverse

from registration.models import RegistrationEvent, Representative
from tests import people
from tests.factories import CallFactory, MeetingFactory, OrganizationFactory, RepresentativeFactory
from tests.helpers import finish
from tests.reviews.test_review_workflow import page_text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registration_representative_changelist")
RECORD = reverse("admin:registration_registrationevent_changelist")
READERS = [people.PGA_OFFICE_MEMBER, people.ADMINISTRATOR]


def change_url(representative):
    return reverse("admin:registration_representative_change", args=[representative.pk])


def listed(client, **params):
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(item.full_name for item in response.context["cl"].result_list)


@pytest.fixture
def summit():
    call = CallFactory(title="Summit on migration")
    return (
        call,
        MeetingFactory(call=call, title="Opening plenary"),
        MeetingFactory(call=call, title="Round table on remittances"),
    )


@pytest.mark.parametrize("role", READERS)
def test_the_office_and_administrators_see_every_representative_with_a_thumbnail(summit, role):
    call, plenary, round_table = summit
    organization = OrganizationFactory(name="Voices of the Sahel")
    amina = RepresentativeFactory(
        organization=organization,
        call=call,
        full_name="Amina Diallo",
        nationality="ML",
        meetings=[plenary, round_table],
    )
    RepresentativeFactory(call=call, full_name="Paulo Santos", gender="male", meetings=[plenary])

    response = people.signed_in_client(role).get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f'<img src="{amina.thumbnail_url()}" alt="Photo of Amina Diallo" width="45" height="60">'
        in html
    )
    text = page_text(response)
    assert "Voices of the Sahel" in text
    assert "Summit on migration" in text
    assert "Mali" in text
    assert "Opening plenary; Round table on remittances" in text
    assert listed(people.signed_in_client(role)) == ["Amina Diallo", "Paulo Santos"]


@pytest.mark.parametrize("role", READERS)
def test_the_thumbnail_in_the_list_opens_for_them(role):
    representative = RepresentativeFactory()
    client = people.signed_in_client(role)

    response = finish(client.get(representative.thumbnail_url()))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_reviewers_see_no_representative():
    representative = RepresentativeFactory(full_name="Amina Diallo")
    client = people.signed_in_client(people.REVIEWER)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(representative)).status_code == 403
    assert client.get(RECORD).status_code == 403
    index = client.get(reverse("admin:index"))
    assert CHANGELIST not in index.content.decode()


@pytest.mark.parametrize("role", [*READERS, people.SUPERUSER])
def test_nobody_adds_changes_or_deletes_a_representative_in_the_admin(role):
    representative = RepresentativeFactory(full_name="Amina Diallo", function="Programme officer")
    client = people.signed_in_client(role)

    html = client.get(CHANGELIST).content.decode()
    assert reverse("admin:registration_representative_add") not in html
    assert 'value="delete_selected"' not in html

    page = client.get(change_url(representative))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    delete_url = reverse("admin:registration_representative_delete", args=[representative.pk])
    assert delete_url not in page.content.decode()
    # The page is read-only, with the photo and the details.
    assert (
        f'<img src="{representative.photo_url()}" alt="Photo of Amina Diallo" width="300" '
        'height="400">' in page.content.decode()
    )
    assert "Programme officer" in page_text(page)
    assert "View on site" not in page_text(page)

    assert client.get(reverse("admin:registration_representative_add")).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    client.post(change_url(representative), {"full_name": "Someone Else", "function": "Director"})
    representative.refresh_from_db()
    assert (representative.full_name, representative.function) == (
        "Amina Diallo",
        "Programme officer",
    )
    assert Representative.objects.filter(pk=representative.pk).exists()


def test_the_list_filters_by_call_gender_and_meeting_and_searches(summit):
    call, plenary, round_table = summit
    other_call = CallFactory(title="Conference on oceans")
    RepresentativeFactory(
        organization=OrganizationFactory(name="Voices of the Sahel"),
        call=call,
        full_name="Amina Diallo",
        email="amina@sahelvoices.example",
        meetings=[plenary, round_table],
    )
    RepresentativeFactory(call=call, full_name="Paulo Santos", gender="male", meetings=[plenary])
    RepresentativeFactory(
        call=other_call,
        full_name="Mele Tupou",
        meetings=[MeetingFactory(call=other_call)],
    )
    client = people.signed_in_client(people.PGA_OFFICE_MEMBER)

    assert listed(client, call__id__exact=call.pk) == ["Amina Diallo", "Paulo Santos"]
    assert listed(client, gender__exact="male") == ["Paulo Santos"]
    assert listed(client, meetings__id__exact=round_table.pk) == ["Amina Diallo"]
    # A representative attending two meetings is listed once.
    assert listed(client, call__id__exact=call.pk, meetings__id__exact=plenary.pk) == [
        "Amina Diallo",
        "Paulo Santos",
    ]
    assert listed(client, q="tupou") == ["Mele Tupou"]
    assert listed(client, q="amina@sahelvoices") == ["Amina Diallo"]
    assert listed(client, q="Voices of the Sahel") == ["Amina Diallo"]


# The session, the user and their permissions, the filters' choices (calls, meetings), the
# counts, the page's rows and their meetings in one query: 10 today, whatever the rows.
QUERIES = 12


def test_the_list_runs_as_many_queries_for_fifty_representatives_as_for_five(
    summit, django_assert_max_num_queries
):
    call, plenary, round_table = summit
    client = people.signed_in_client(people.PGA_OFFICE_MEMBER)

    def add(count):
        for _ in range(count):
            RepresentativeFactory(call=call, meetings=[plenary, round_table])

    add(5)
    with django_assert_max_num_queries(QUERIES) as for_five:
        assert len(client.get(CHANGELIST).context["cl"].result_list) == 5
    add(45)
    with django_assert_max_num_queries(QUERIES) as for_fifty:
        assert len(client.get(CHANGELIST).context["cl"].result_list) == 50
    assert len(for_fifty) == len(for_five)


# The registration record ------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_the_record_lists_who_did_what_in_which_role(summit, role):
    call, _plenary, _round_table = summit
    organization = OrganizationFactory(name="Voices of the Sahel")
    RegistrationEvent.objects.create(
        organization=organization,
        call=call,
        kind=RegistrationEvent.Kind.REPLACED,
        person="Paulo Santos",
        replaced_person="Amina Diallo",
        actor=people.applicant_a(),
        role="Applicant",
    )
    RegistrationEvent.objects.create(
        organization=organization,
        call=call,
        kind=RegistrationEvent.Kind.ECOSOC_CONFIRMED,
        actor=people.reviewer(),
        role="Reviewers",
    )
    client = people.signed_in_client(role)

    response = client.get(RECORD)

    assert response.status_code == 200
    text = page_text(response)
    assert "Representative replaced" in text
    assert "Paulo Santos" in text
    assert "Amina Diallo" in text
    assert "ECOSOC status confirmed" in text
    roles = {
        str(response.context["cl"].model_admin.role_name(event))
        for event in response.context["cl"].result_list
    }
    assert roles == {"Applicant", "Reviewers"}
    kinds = client.get(RECORD, {"kind__exact": "replaced"}).context["cl"].result_list
    assert [event.person for event in kinds] == ["Paulo Santos"]
    other_call = client.get(RECORD, {"call__id__exact": CallFactory().pk})
    assert list(other_call.context["cl"].result_list) == []

    html = response.content.decode()
    assert reverse("admin:registration_registrationevent_add") not in html
    assert 'value="delete_selected"' not in html
