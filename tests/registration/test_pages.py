"""The focal points' pages: register, replace or correct, remove, ask for ECOSOC status; the
photos stay private; the window and the limit are kept whatever is posted."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accreditation.models import ProposedParticipant, Status
from registration import services
from registration.models import EcosocConfirmation, RegistrationEvent, Representative
from tests import people
from tests.factories import (
    MeetingFactory,
    RepresentativeFactory,
    application_in,
    jpeg_bytes,
    open_registration,
    pdf_bytes,
)
from tests.helpers import content_of, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def accredited():
    """Organization A accredited to a call whose registration is open, with two meetings."""
    applicant = people.applicant_a()
    application = application_in(Status.ACCREDITED)
    application.organization = people.organization_a()
    application.save(update_fields=["organization"])
    call = open_registration(application.call)
    call.max_representatives = 2
    call.save(update_fields=["max_representatives"])
    MeetingFactory(call=call, title="Opening plenary")
    MeetingFactory(call=call, title="Round table on remittances")
    return {"applicant": applicant, "call": call, "application": application}


@pytest.fixture
def client_a(client, accredited):
    return sign_in(client, accredited["applicant"])


def photo(name="face.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def person(call, **changes):
    data = {
        "full_name": "Amina Diallo",
        "function": "Policy officer",
        "gender": "female",
        "nationality": "SN",
        "email": "amina@alpha.example",
        "language": "fr",
        "meetings": [meeting.pk for meeting in call.meetings.all()],
        "photo": photo(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def register_one(client, call):
    """Amina Diallo registered through the page: her record and the address of her edit page."""
    client.post(reverse("registration:add", args=[call.slug]), person(call))
    representative = Representative.objects.get()
    return representative, reverse("registration:edit", args=[representative.public_id])


def test_a_focal_point_registers_a_representative_who_is_mailed_in_the_chosen_language(
    client_a, accredited
):
    call = accredited["call"]
    response = client_a.post(reverse("registration:add", args=[call.slug]), person(call))

    assert response.status_code == 302
    representative = Representative.objects.get()
    assert representative.full_name == "Amina Diallo"
    assert representative.organization == people.organization_a()
    assert set(representative.meetings.all()) == set(call.meetings.all())
    assert representative.meetings.count() == 3
    [message] = [m for m in mail.outbox if m.to == ["amina@alpha.example"]]
    assert "inscrit" in message.subject.lower() or "inscrite" in message.body.lower()
    assert "Opening plenary" in message.body
    page = client_a.get(reverse("registration:call", args=[call.slug]))
    assert "Amina Diallo" in page.content.decode()
    assert "1 of 2 representatives" in page.content.decode()


def test_the_form_starts_from_someone_named_in_the_application(client_a, accredited):
    call = accredited["call"]
    proposed = ProposedParticipant.objects.filter(application=accredited["application"]).first()
    assert proposed is not None
    form_page = client_a.get(reverse("registration:add", args=[call.slug]))
    assert f"?from={proposed.pk}" in form_page.content.decode()

    prefilled = client_a.get(reverse("registration:add", args=[call.slug]), {"from": proposed.pk})

    assert prefilled.context["form"].initial["full_name"] == proposed.full_name
    assert prefilled.context["form"].initial["function"] == proposed.function


def test_a_refused_photo_is_named_by_its_field_and_what_was_typed_stays(client_a, accredited):
    call = accredited["call"]
    data = person(call, photo=SimpleUploadedFile("face.jpg", pdf_bytes()))

    response = client_a.post(reverse("registration:add", args=[call.slug]), data)

    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    html = response.content.decode()
    assert 'value="Amina Diallo"' in html
    assert "JPEG" in response.context["form"].errors["photo"][0]
    assert not Representative.objects.exists()


def test_replacing_needs_a_photo_and_mails_the_new_person(client_a, accredited):
    call = accredited["call"]
    representative, url = register_one(client_a, call)

    without_photo = client_a.post(
        url, person(call, full_name="Kofi Mensah", email="kofi@alpha.example", photo=None)
    )
    assert without_photo.status_code == 400
    assert "photo" in without_photo.context["form"].errors

    mail.outbox.clear()
    replaced = client_a.post(
        url, person(call, full_name="Kofi Mensah", email="kofi@alpha.example", language="en")
    )

    assert replaced.status_code == 302
    representative.refresh_from_db()
    assert representative.full_name == "Kofi Mensah"
    assert [m.to for m in mail.outbox] == [["kofi@alpha.example"]]
    event = RegistrationEvent.objects.filter(kind=RegistrationEvent.Kind.REPLACED).get()
    assert (event.person, event.replaced_person) == ("Kofi Mensah", "Amina Diallo")
    assert event.actor == accredited["applicant"]


def test_correcting_keeps_the_photo(client_a, accredited):
    call = accredited["call"]
    representative, url = register_one(client_a, call)
    photo_before = representative.photo.name

    response = client_a.post(url, person(call, function="Head of policy", photo=None))

    assert response.status_code == 302
    representative.refresh_from_db()
    assert representative.function == "Head of policy"
    assert representative.photo.name == photo_before


def test_removing_asks_first_then_removes(client_a, accredited):
    call = accredited["call"]
    representative, _url = register_one(client_a, call)
    url = reverse("registration:remove", args=[representative.public_id])

    assert client_a.get(url).status_code == 200
    assert Representative.objects.exists()
    assert client_a.post(url).status_code == 302
    assert not Representative.objects.exists()


def test_past_the_limit_the_button_goes_and_a_post_is_refused(client_a, accredited):
    call = accredited["call"]
    client_a.post(reverse("registration:add", args=[call.slug]), person(call))
    client_a.post(
        reverse("registration:add", args=[call.slug]),
        person(call, full_name="Kofi Mensah", email="kofi@alpha.example"),
    )
    page = client_a.get(reverse("registration:call", args=[call.slug])).content.decode()
    assert reverse("registration:add", args=[call.slug]) not in page

    third = client_a.post(
        reverse("registration:add", args=[call.slug]),
        person(call, full_name="Third Person", email="third@alpha.example"),
    )

    assert third.status_code == 400
    assert "most this call allows" in third.content.decode()
    assert Representative.objects.count() == 2


def test_a_meeting_of_another_call_is_refused_by_its_field(client_a, accredited):
    call = accredited["call"]
    elsewhere = MeetingFactory()

    response = client_a.post(
        reverse("registration:add", args=[call.slug]), person(call, meetings=[elsewhere.pk])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["meetings"]


def test_after_the_window_nothing_changes_and_the_page_says_why(client_a, accredited):
    call = accredited["call"]
    representative, _url = register_one(client_a, call)
    call.registration_opens_at = timezone.now() - timedelta(days=20)
    call.registration_closes_at = timezone.now() - timedelta(seconds=1)
    call.save()

    for response in (
        client_a.post(reverse("registration:remove", args=[representative.public_id]), follow=True),
        client_a.post(
            reverse("registration:edit", args=[representative.public_id]),
            person(call, function="Changed"),
            follow=True,
        ),
        client_a.post(
            reverse("registration:add", args=[call.slug]),
            person(call, email="late@alpha.example"),
            follow=True,
        ),
    ):
        assert "Registration of representatives closed on" in response.content.decode()
    representative.refresh_from_db()
    assert representative.function == "Policy officer"
    assert Representative.objects.count() == 1
    page = client_a.get(reverse("registration:call", args=[call.slug])).content.decode()
    assert reverse("registration:edit", args=[representative.public_id]) not in page


def test_an_organization_in_ecosoc_status_asks_for_confirmation(client):
    applicant = people.applicant_b()
    organization = people.organization_b()
    organization.in_ecosoc_status = True
    organization.save()
    call = open_registration(MeetingFactory().call)
    sign_in(client, applicant)

    home = client.get(reverse("registration:home")).content.decode()
    assert call.title in home
    page = client.get(reverse("registration:call", args=[call.slug])).content.decode()
    assert "Ask for our ECOSOC status to be confirmed" in page
    assert reverse("registration:add", args=[call.slug]) not in page

    response = client.post(reverse("registration:ecosoc", args=[call.slug]), follow=True)

    assert (
        EcosocConfirmation.objects.get(organization=organization, call=call).status == "requested"
    )
    assert "waiting for a reviewer" in response.content.decode()
    refused = client.get(reverse("registration:add", args=[call.slug]), follow=True)
    assert "Only organizations accredited to this call" in refused.content.decode()


def test_the_dashboard_leads_to_registration_while_it_is_open(client_a, accredited):
    page = client_a.get(reverse("accreditation:dashboard")).content.decode()

    assert reverse("registration:call", args=[accredited["call"].slug]) in page
    assert "Register your representatives" in page


@pytest.mark.parametrize("role", ["anonymous", "applicant_b", "delegate", "reviewer"])
def test_others_never_see_a_representative_or_their_photo(client, accredited, role):
    representative = RepresentativeFactory(
        organization=people.organization_a(), call=accredited["call"]
    )
    if role != "anonymous":
        sign_in(client, people.MAKERS[role]())
    urls = [
        reverse("registration:call", args=[accredited["call"].slug]),
        reverse("registration:edit", args=[representative.public_id]),
        reverse("registration:remove", args=[representative.public_id]),
        reverse("registration:photo", args=[representative.public_id]),
        reverse("registration:thumbnail", args=[representative.public_id]),
    ]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert "sign-in" in response["Location"]
        else:
            assert response.status_code == 404, url
            assert representative.full_name not in response.content.decode()
    if role != "anonymous":
        assert (
            client.post(reverse("registration:remove", args=[representative.public_id])).status_code
            == 404
        )
        assert Representative.objects.filter(pk=representative.pk).exists()


@pytest.mark.parametrize("role", ["applicant_a", "pga_office", "administrator"])
def test_the_photo_is_served_privately_to_its_organization_and_the_office(client, accredited, role):
    representative = RepresentativeFactory(
        organization=people.organization_a(), call=accredited["call"]
    )
    sign_in(client, people.MAKERS[role]())

    response = client.get(reverse("registration:photo", args=[representative.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store, private"
    assert content_of(response).startswith(b"\xff\xd8\xff")


def test_the_call_page_costs_the_same_queries_for_one_or_two_people(
    client_a, accredited, django_assert_max_num_queries
):
    call = accredited["call"]
    url = reverse("registration:call", args=[call.slug])
    RepresentativeFactory(
        organization=people.organization_a(), call=call, meetings=list(call.meetings.all())
    )
    with django_assert_max_num_queries(22):
        client_a.get(url)
    RepresentativeFactory(
        organization=people.organization_a(), call=call, meetings=list(call.meetings.all())
    )
    with django_assert_max_num_queries(22):
        client_a.get(url)


def test_a_meeting_number_past_any_column_is_refused_by_its_field(client_a, accredited):
    call = accredited["call"]

    response = client_a.post(
        reverse("registration:add", args=[call.slug]),
        person(call, meetings=["9223372036854775808"]),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["meetings"]


def test_an_unpublished_call_has_no_registration_page(client):
    applicant = people.applicant_b()
    organization = people.organization_b()
    organization.in_ecosoc_status = True
    organization.save()
    call = open_registration(MeetingFactory().call)
    call.is_published = False
    call.save()
    sign_in(client, applicant)

    assert client.get(reverse("registration:call", args=[call.slug])).status_code == 404
    assert client.post(reverse("registration:ecosoc", args=[call.slug])).status_code == 404
    assert call.title not in client.get(reverse("registration:home")).content.decode()
    assert not EcosocConfirmation.objects.exists()


def test_the_edit_page_says_what_happened_a_correction_or_a_replacement(client_a, accredited):
    call = accredited["call"]
    _representative, url = register_one(client_a, call)
    mail.outbox.clear()

    corrected = client_a.post(url, person(call, full_name="AMINA DIALLO", photo=None), follow=True)
    assert "The details of AMINA DIALLO are saved." in corrected.content.decode()
    assert mail.outbox == []

    replaced = client_a.post(url, person(call, email="other@alpha.example"), follow=True)
    assert "replaces" in replaced.content.decode()
    assert [m.to for m in mail.outbox] == [["other@alpha.example"]]


def test_a_refused_organization_asks_again_and_the_refusal_stays_on_the_record(client):
    applicant = people.applicant_b()
    organization = people.organization_b()
    organization.in_ecosoc_status = True
    organization.save()
    call = open_registration(MeetingFactory().call)
    sign_in(client, applicant)
    client.post(reverse("registration:ecosoc", args=[call.slug]))

    services.decide_ecosoc_confirmation(
        confirmation=EcosocConfirmation.objects.get(),
        by=people.reviewer(),
        confirm=False,
        reason="Not on the ECOSOC list under this name.",
    )
    page = client.get(reverse("registration:call", args=[call.slug])).content.decode()
    assert "Not on the ECOSOC list under this name." in page
    assert "Ask again for our ECOSOC status to be confirmed" in page

    client.post(reverse("registration:ecosoc", args=[call.slug]))

    assert EcosocConfirmation.objects.get().status == EcosocConfirmation.Status.REQUESTED
    assert list(RegistrationEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "ecosoc_requested",
        "ecosoc_refused",
        "ecosoc_requested",
    ]


def test_in_french_the_form_speaks_french_and_marks_english_meeting_titles(client_a, accredited):
    call = accredited["call"]
    client_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    page = client_a.get(reverse("registration:add", args=[call.slug])).content.decode()

    assert "Une photo récente de son visage" in page
    assert "A recent photo" not in page
    assert '<span lang="en">Opening plenary</span>' in page


def test_starting_from_a_proposed_person_says_so(client_a, accredited):
    call = accredited["call"]
    proposed = ProposedParticipant.objects.filter(application=accredited["application"]).first()

    page = client_a.get(
        reverse("registration:add", args=[call.slug]), {"from": proposed.pk}
    ).content.decode()

    assert f"Started from {proposed.full_name} as named in your application" in page


def test_a_good_photo_is_kept_when_another_field_is_refused(client_a, accredited):
    call = accredited["call"]
    url = reverse("registration:add", args=[call.slug])

    refused = client_a.post(url, person(call, email="not an address"))

    assert refused.status_code == 400
    assert refused.context["form"].errors["email"]
    page = refused.content.decode()
    assert "“face.jpg” is kept from your last try. Choose another file to replace it." in page
    token = refused.context["form"]["kept_photo"].value()
    assert token
    assert f'value="{token}"' in page

    # The next submit, without choosing the file again, registers the person with it.
    fixed = client_a.post(url, person(call, photo=None) | {"kept_photo": token})

    assert fixed.status_code == 302
    representative = Representative.objects.get()
    with representative.photo.open("rb") as stored:
        assert stored.read().startswith(b"\xff\xd8\xff")
    # Kept once: a new form starts without it.
    assert "kept from your last try" not in client_a.get(url).content.decode()


def test_without_the_page_s_token_no_kept_photo_is_used(client_a, accredited):
    call = accredited["call"]
    url = reverse("registration:add", args=[call.slug])
    client_a.post(url, person(call, email="not an address"))

    response = client_a.post(url, person(call, photo=None) | {"kept_photo": "guessed"})

    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    assert not Representative.objects.exists()
