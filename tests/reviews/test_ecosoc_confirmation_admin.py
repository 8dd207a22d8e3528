"""Reviewers confirm or refuse an organization's ECOSOC status for a call in the admin.

The answer goes through ``registration.services.decide_ecosoc_confirmation``: it is on the
record with who answered and in what role, the focal points are mailed in their language,
and a confirmed organization may register representatives while the call's window is open.
"""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import OutgoingMail
from accreditation.models import EcosocOrganization
from accreditation.names import normalize_name
from registration import services as registration_services
from registration.models import EcosocConfirmation, RegistrationEvent
from tests import people
from tests.factories import (
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    RepresentativeFactory,
    UserFactory,
    open_registration,
)
from tests.reviews.test_review_workflow import page_text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registration_ecosocconfirmation_changelist")
REASON = "The organization is not on the ECOSOC list & its status ended in 2019."


@pytest.fixture
def world():
    """An organization in ECOSOC status, with a focal point reading English and one reading
    French, that asked for its status to be confirmed for a call whose registration is open."""
    call = open_registration(CallFactory(title="Summit on migration"))
    organization = OrganizationFactory(
        name="Voices of the Sahel",
        homepage="https://sahelvoices.example",
        in_ecosoc_status=True,
    )
    english = FocalPointFactory(
        organization=organization,
        user=UserFactory(email="amina@sahelvoices.example", preferred_language="en"),
    ).user
    french = FocalPointFactory(
        organization=organization,
        user=UserFactory(email="claire@sahelvoices.example", preferred_language="fr"),
    ).user
    confirmation = registration_services.request_ecosoc_confirmation(
        organization=organization, call=call, by=english
    )
    mail.outbox.clear()
    return SimpleNamespace(
        call=call,
        organization=organization,
        english=english,
        french=french,
        confirmation=confirmation,
    )


def decide_url(confirmation, decision):
    return reverse("admin:registration_ecosocconfirmation_decide", args=[confirmation.pk, decision])


def change_url(confirmation):
    return reverse("admin:registration_ecosocconfirmation_change", args=[confirmation.pk])


def status_of(confirmation):
    confirmation.refresh_from_db()
    return confirmation.status


def decisions(world):
    return RegistrationEvent.objects.filter(
        organization=world.organization,
        call=world.call,
        kind__in=[RegistrationEvent.Kind.ECOSOC_CONFIRMED, RegistrationEvent.Kind.ECOSOC_REFUSED],
    )


def in_french(msgid, **values):
    """The text as the French catalogue gives it (English until it is translated)."""
    with translation.override("fr"):
        return translation.gettext(msgid) % values


def by_address():
    return {message.to[0]: message for message in mail.outbox}


# Confirming -------------------------------------------------------------------------------


def test_a_reviewer_confirms_and_the_organization_may_register(world):
    reviewer = people.reviewer()
    browser = people.signed_in_client(people.REVIEWER)
    assert registration_services.registration_refusal(world.organization, world.call) != ""

    page = browser.get(decide_url(world.confirmation, "confirm"))

    assert page.status_code == 200
    text = page_text(page)
    assert (
        "The consultative status of Voices of the Sahel with ECOSOC will be confirmed for "
        "“Summit on migration”" in text
    )
    assert "Its focal points are told by mail: 2 people." in text
    assert 'name="reason"' not in page.content.decode()  # confirming takes no reason
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED

    response = browser.post(decide_url(world.confirmation, "confirm"), follow=True)

    assert response.redirect_chain == [(change_url(world.confirmation), 302)]
    assert (
        "The ECOSOC status of Voices of the Sahel is confirmed for this call: it may register "
        "representatives." in page_text(response)
    )
    world.confirmation.refresh_from_db()
    assert world.confirmation.status == EcosocConfirmation.Status.CONFIRMED
    assert world.confirmation.decided_by == reviewer
    assert world.confirmation.decided_at is not None
    assert registration_services.registration_refusal(world.organization, world.call) == ""

    (event,) = decisions(world)
    assert event.kind == RegistrationEvent.Kind.ECOSOC_CONFIRMED
    assert event.actor == reviewer
    assert event.role == "Reviewers"

    sent = by_address()
    assert set(sent) == {world.english.email, world.french.email}
    assert sent[world.english.email].subject == "ECOSOC status confirmed: Summit on migration"
    assert sent[world.french.email].subject == in_french(
        "ECOSOC status confirmed: %(call)s", call="Summit on migration"
    )
    languages = dict(
        OutgoingMail.objects.filter(template="registration/email/ecosoc_confirmed").values_list(
            "recipients", "language"
        )
    )
    assert languages == {world.english.email: "en", world.french.email: "fr"}
    html, _type = sent[world.french.email].alternatives[0]
    assert '<html lang="fr">' in html


# Refusing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_refusing_without_a_reason_is_refused_by_the_field(world, reason):
    browser = people.signed_in_client(people.REVIEWER)

    response = browser.post(decide_url(world.confirmation, "refuse"), {"reason": reason})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_reason-error"><li>Say why the status cannot be confirmed: '
        "the organization reads it.</li></ul>" in html
    )
    assert 'aria-describedby="id_reason-error"' in html
    assert '<label for="id_reason" class="required">' in html
    # Read out: a note at the top that takes the focus, and the page's title says so.
    assert 'role="alert" tabindex="-1" id="error-summary"' in html
    assert '<a href="#id_reason">' in html
    assert "<title>Error:" in html
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED
    assert not decisions(world).exists()
    assert mail.outbox == []


def test_a_reason_too_long_is_refused_by_the_field_and_kept(world):
    browser = people.signed_in_client(people.REVIEWER)
    typed = "Not on the list. " + "x" * 2000

    response = browser.post(decide_url(world.confirmation, "refuse"), {"reason": typed})

    assert response.status_code == 400
    text = page_text(response)
    assert f"Ensure this value has at most 2000 characters (it has {len(typed)})." in text
    assert typed in response.content.decode()
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED
    assert mail.outbox == []


def test_refusing_with_a_reason_mails_it_to_the_focal_points(world):
    reviewer = people.reviewer()
    browser = people.signed_in_client(people.REVIEWER)

    page = browser.get(decide_url(world.confirmation, "refuse"))
    assert page.status_code == 200
    assert '<label for="id_reason" class="required">' in page.content.decode()
    assert "Its focal points are told by mail, with your reason: 2 people." in page_text(page)

    response = browser.post(
        decide_url(world.confirmation, "refuse"), {"reason": f"  {REASON}  "}, follow=True
    )

    assert response.redirect_chain == [(change_url(world.confirmation), 302)]
    assert "is not confirmed for this call" in page_text(response)
    world.confirmation.refresh_from_db()
    assert world.confirmation.status == EcosocConfirmation.Status.REFUSED
    assert world.confirmation.reason == REASON
    assert world.confirmation.decided_by == reviewer
    assert registration_services.registration_refusal(world.organization, world.call) != ""

    (event,) = decisions(world)
    assert (event.kind, event.actor, event.role, event.note) == (
        RegistrationEvent.Kind.ECOSOC_REFUSED,
        reviewer,
        "Reviewers",
        REASON,
    )
    sent = by_address()
    assert set(sent) == {world.english.email, world.french.email}
    assert sent[world.english.email].subject == "ECOSOC status not confirmed: Summit on migration"
    for message in mail.outbox:
        assert REASON in message.body  # plain text: "&" stays "&"


# Deciding twice ---------------------------------------------------------------------------


def test_deciding_twice_says_so_and_changes_nothing(world):
    browser = people.signed_in_client(people.REVIEWER)
    browser.post(decide_url(world.confirmation, "confirm"))
    mailed = len(mail.outbox)

    for decision, data in (("refuse", {"reason": REASON}), ("confirm", {})):
        response = browser.post(decide_url(world.confirmation, decision), data, follow=True)

        assert response.status_code == 200
        assert "This request was already answered: Confirmed." in page_text(response)
        assert status_of(world.confirmation) == EcosocConfirmation.Status.CONFIRMED
        assert decisions(world).count() == 1
        assert len(mail.outbox) == mailed

    # Its page no longer offers the buttons, nor does the decision page its form.
    page = browser.get(change_url(world.confirmation))
    assert decide_url(world.confirmation, "refuse") not in page.content.decode()
    again = browser.get(decide_url(world.confirmation, "refuse"), follow=True)
    assert "This request was already answered: Confirmed." in page_text(again)
    assert 'name="reason"' not in again.content.decode()


def test_an_answer_given_meanwhile_by_someone_else_shows_the_services_message(world, monkeypatch):
    """Between the page's check and the service's, another reviewer answered: the service's
    refusal is shown, never a 500."""
    colleague = UserFactory(email="colleague@un.example.org", is_staff=True)
    real = registration_services.decide_ecosoc_confirmation

    def colleague_first(**kwargs):
        real(confirmation=kwargs["confirmation"], by=colleague, confirm=False, reason=REASON)
        return real(**kwargs)

    monkeypatch.setattr(registration_services, "decide_ecosoc_confirmation", colleague_first)
    browser = people.signed_in_client(people.REVIEWER)

    response = browser.post(decide_url(world.confirmation, "confirm"), follow=True)

    assert response.status_code == 200
    assert "This request was already answered: Not confirmed." in page_text(response)
    world.confirmation.refresh_from_db()
    assert world.confirmation.status == EcosocConfirmation.Status.REFUSED
    assert world.confirmation.decided_by == colleague
    assert decisions(world).count() == 1


def test_an_unknown_decision_is_not_found(world):
    browser = people.signed_in_client(people.REVIEWER)
    assert browser.post(decide_url(world.confirmation, "maybe")).status_code == 404
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED


# Who may decide ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [people.PGA_OFFICE_MEMBER, people.ADMINISTRATOR])
def test_the_pga_office_and_administrators_read_requests_but_cannot_decide(world, role):
    browser = people.signed_in_client(role)

    page = browser.get(change_url(world.confirmation))
    assert page.status_code == 200
    assert "Voices of the Sahel" in page_text(page)
    assert decide_url(world.confirmation, "confirm") not in page.content.decode()

    for decision in ("confirm", "refuse"):
        assert browser.get(decide_url(world.confirmation, decision)).status_code == 403
        response = browser.post(decide_url(world.confirmation, decision), {"reason": REASON})
        assert response.status_code == 403
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED
    assert mail.outbox == []


def new_admin_urls(world):
    representative = RepresentativeFactory(organization=world.organization, call=world.call)
    event = RegistrationEvent.objects.filter(organization=world.organization).first()
    return [
        CHANGELIST,
        change_url(world.confirmation),
        decide_url(world.confirmation, "confirm"),
        decide_url(world.confirmation, "refuse"),
        reverse("admin:registration_representative_changelist"),
        reverse("admin:registration_representative_change", args=[representative.pk]),
        reverse("admin:registration_registrationevent_changelist"),
        reverse("admin:registration_registrationevent_change", args=[event.pk]),
    ]


@pytest.mark.parametrize("role", [people.ANONYMOUS, people.APPLICANT_A, people.DELEGATE], ids=str)
def test_people_who_are_not_staff_are_kept_out_of_every_new_admin_page(world, role):
    browser = people.signed_in_client(role)
    admin_login = reverse("admin:login")

    for url in new_admin_urls(world):
        for method in ("get", "post"):
            response = getattr(browser, method)(url, {"reason": REASON} if method == "post" else {})
            refused = response.status_code == 403 or (
                response.status_code == 302 and response["Location"].startswith(admin_login)
            )
            assert refused, (method, url, response.status_code)
    assert status_of(world.confirmation) == EcosocConfirmation.Status.REQUESTED
    assert mail.outbox == []


# The request's page -----------------------------------------------------------------------


def test_the_request_page_shows_what_a_reviewer_needs_to_answer(world):
    EcosocOrganization.objects.create(
        name="Voices of the Sahel",
        normalized_name=normalize_name("Voices of the Sahel"),
        country="Mali",
        status="Special",
    )
    RepresentativeFactory(
        organization=world.organization, call=world.call, full_name="Moussa Traoré"
    )
    RegistrationEvent.objects.create(
        organization=world.organization,
        call=world.call,
        kind=RegistrationEvent.Kind.REGISTERED,
        person="Moussa Traoré",
        actor=world.english,
        role="Applicant",
    )
    browser = people.signed_in_client(people.REVIEWER)

    response = browser.get(change_url(world.confirmation))

    assert response.status_code == 200
    text = page_text(response)
    html = response.content.decode()
    assert "Waiting for a reviewer · Summit on migration" in text
    assert "Voices of the Sahel" in text
    assert "https://sahelvoices.example" in text  # the profile's essentials
    assert "Grace Wanjiru, Executive Director" in text
    # Its match in the ECOSOC list.
    assert '<td class="long">Voices of the Sahel</td><td>Special</td><td>Mali</td>' in html
    assert "ECOSOC status confirmation asked for by amina@sahelvoices.example" in text
    assert f'href="{decide_url(world.confirmation, "confirm")}"' in html
    assert f'href="{decide_url(world.confirmation, "refuse")}"' in html
    # Reviewers see no representative: the record shows them the request's own steps only.
    assert "Moussa Traoré" not in text
    assert 'name="_save"' not in html

    office = people.signed_in_client(people.PGA_OFFICE_MEMBER).get(change_url(world.confirmation))
    assert "Representative registered: Moussa Traoré" in page_text(office)


def test_a_request_without_a_match_in_the_ecosoc_list_says_so(world):
    response = people.signed_in_client(people.REVIEWER).get(change_url(world.confirmation))

    assert "No organization of the imported ECOSOC list has this organization's name" in (
        page_text(response)
    )


def test_the_list_of_requests_filters_and_searches_and_offers_no_changes(world):
    other = OrganizationFactory(name="Oceans Alliance", in_ecosoc_status=True)
    other_call = open_registration(CallFactory(title="Conference on oceans"))
    refused = EcosocConfirmation.objects.create(organization=other, call=other_call)
    registration_services.decide_ecosoc_confirmation(
        confirmation=refused, by=people.reviewer(), confirm=False, reason=REASON
    )
    browser = people.signed_in_client(people.REVIEWER)

    def listed(**params):
        response = browser.get(CHANGELIST, params)
        assert response.status_code == 200
        return sorted(item.organization.name for item in response.context["cl"].result_list)

    assert listed() == ["Oceans Alliance", "Voices of the Sahel"]
    assert listed(status__exact="requested") == ["Voices of the Sahel"]
    assert listed(status__exact="refused") == ["Oceans Alliance"]
    assert listed(call__id__exact=other_call.pk) == ["Oceans Alliance"]
    assert listed(q="sahel") == ["Voices of the Sahel"]

    html = browser.get(CHANGELIST).content.decode()
    assert reverse("admin:registration_ecosocconfirmation_add") not in html
    assert 'value="delete_selected"' not in html
    assert browser.get(reverse("admin:registration_ecosocconfirmation_add")).status_code == 403
    delete = reverse("admin:registration_ecosocconfirmation_delete", args=[world.confirmation.pk])
    assert browser.post(delete, {"post": "yes"}).status_code == 403
    assert EcosocConfirmation.objects.filter(pk=world.confirmation.pk).exists()
