"""Each staff permission opens doors; taking it from a role closes every one of them.

For every permission a role's group holds, the table below names the doors it opens (pages,
buttons, steps). Each door is tried as a member of the role with the permission (open) and
after it is taken from the group (closed), so that a door left open by a check written
somewhere else, or forgotten, fails here.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import OutgoingMail, SecurityEvent
from accounts.roles import ADMINISTRATORS, PGA_OFFICE, REVIEWERS
from accreditation.models import Application, EcosocOrganization, StaffNote, Status
from registration.models import EcosocConfirmation, RegistrationEvent
from tests import people
from tests.factories import MeetingFactory, RepresentativeFactory, UserFactory, application_in
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    application = application_in(Status.SUBMITTED)
    someone = UserFactory(email="someone@example.org")
    StaffNote.objects.create(
        application=application, author=people.superuser(), text="Ask the embassy first."
    )
    OutgoingMail.objects.create(
        template="accreditation/email/recommend",
        recipients="someone@example.org",
        subject="Your application",
        language="en",
        status=OutgoingMail.Status.FAILED,
    )
    return SimpleNamespace(
        application=application,
        document=application.documents.first(),
        call=application.call,
        meeting=MeetingFactory(call=application.call),
        venue=application.call.venue,
        organization=application.organization,
        user=someone,
        ecosoc=EcosocOrganization.objects.create(name="Listed Organization", status="Special"),
        security_event=SecurityEvent.objects.create(
            user=someone, kind=SecurityEvent.Kind.SIGNED_IN
        ),
        # The organization asked for its ECOSOC status to be confirmed, and registered someone.
        confirmation=EcosocConfirmation.objects.create(
            organization=application.organization, call=application.call
        ),
        representative=RepresentativeFactory(
            organization=application.organization,
            call=application.call,
            full_name="Rita Representative",
        ),
        registration_event=RegistrationEvent.objects.create(
            organization=application.organization,
            call=application.call,
            kind=RegistrationEvent.Kind.REGISTERED,
            person="Rita Representative",
            role="Applicant",
        ),
    )


def admin_page(name, *args):
    """The admin page answers 200 (open) rather than 403 or a redirect (closed)."""

    def door(client, world):
        response = client.get(reverse(f"admin:{name}", args=[arg(world) for arg in args]))
        return response.status_code == 200

    door.__name__ = name
    return door


def can_save(name, *args):
    """The change page offers Save (the permission to change, not only to read)."""

    def door(client, world):
        response = client.get(reverse(f"admin:{name}", args=[arg(world) for arg in args]))
        return response.status_code == 200 and 'name="_save"' in response.text

    door.__name__ = f"{name} (save)"
    return door


def application_page_shows(text):
    def door(client, world):
        url = reverse("admin:accreditation_application_change", args=[world.application.pk])
        response = client.get(url)
        return response.status_code == 200 and text in response.text

    door.__name__ = f"application page shows {text!r}"
    return door


def start_review(client, world):
    url = reverse(
        "admin:accreditation_application_review", args=[world.application.pk, "start_review"]
    )
    client.post(url)
    world.application.refresh_from_db()
    return world.application.status == Status.UNDER_REVIEW


def add_note(client, world):
    notes = StaffNote.objects.filter(application=world.application)
    before = notes.count()
    url = reverse("admin:accreditation_application_note", args=[world.application.pk])
    client.post(url, {"text": "Checked the statutes."})
    return notes.count() > before


def open_document(client, world):
    url = reverse("accreditation:document", args=[world.document.public_id])
    return finish(client.get(url)).status_code == 200


def call_documents_zip(client, world):
    url = reverse("admin:accreditation_application_call_documents", args=[world.call.pk])
    return finish(client.get(url)).status_code == 200


def import_ecosoc_page(client, world):
    response = client.get(reverse("admin:accreditation_application_import_ecosoc"))
    return response.status_code == 200 and "Import the ECOSOC list" in response.text


def office_pages(client, world):
    response = client.get(reverse("reviews:office_home"))
    return response.status_code == 200 and "Lists for Member States" in response.text


def send_again_offered(client, world):
    response = client.get(reverse("admin:accounts_outgoingmail_changelist"))
    return response.status_code == 200 and 'value="send_again"' in response.text


def focal_points_on_organization_page(client, world):
    url = reverse("admin:accreditation_organization_change", args=[world.organization.pk])
    response = client.get(url)
    focal_point = world.organization.focal_points.first()
    return response.status_code == 200 and focal_point.email in response.text


def confirm_ecosoc_status(client, world):
    """The decision's page confirms a waiting request (made waiting again first)."""
    EcosocConfirmation.objects.filter(pk=world.confirmation.pk).update(
        status=EcosocConfirmation.Status.REQUESTED, decided_by=None, decided_at=None
    )
    url = reverse(
        "admin:registration_ecosocconfirmation_decide", args=[world.confirmation.pk, "confirm"]
    )
    client.post(url)
    world.confirmation.refresh_from_db()
    return world.confirmation.status == EcosocConfirmation.Status.CONFIRMED


def ecosoc_request_page_offers_answers(client, world):
    EcosocConfirmation.objects.filter(pk=world.confirmation.pk).update(
        status=EcosocConfirmation.Status.REQUESTED, decided_by=None, decided_at=None
    )
    url = reverse("admin:registration_ecosocconfirmation_change", args=[world.confirmation.pk])
    response = client.get(url)
    decide = reverse(
        "admin:registration_ecosocconfirmation_decide", args=[world.confirmation.pk, "refuse"]
    )
    return response.status_code == 200 and decide in response.text


def representative_photo(client, world):
    return finish(client.get(world.representative.photo_url())).status_code == 200


def ecosoc_request_page_shows_registrations(client, world):
    """The request's page shows the whole registration record, representatives' names too."""
    url = reverse("admin:registration_ecosocconfirmation_change", args=[world.confirmation.pk])
    response = client.get(url)
    return response.status_code == 200 and "Rita Representative" in response.text


pk = {
    "application": lambda world: world.application.pk,
    "organization": lambda world: world.organization.pk,
    "call": lambda world: world.call.pk,
    "meeting": lambda world: world.meeting.pk,
    "venue": lambda world: world.venue.pk,
    "user": lambda world: world.user.pk,
    "confirmation": lambda world: world.confirmation.pk,
    "representative": lambda world: world.representative.pk,
    "registration_event": lambda world: world.registration_event.pk,
}

DOORS = {
    "accreditation.view_application": [
        admin_page("accreditation_application_changelist"),
        admin_page("accreditation_application_change", pk["application"]),
    ],
    "accreditation.review_application": [start_review],
    "accreditation.view_organization": [
        admin_page("accreditation_organization_changelist"),
        focal_points_on_organization_page,
        admin_page("accreditation_membershipevent_changelist"),
    ],
    "accreditation.view_document": [open_document, call_documents_zip],
    "accreditation.view_statuschange": [admin_page("accreditation_statuschange_changelist")],
    "accreditation.view_documentevent": [admin_page("accreditation_documentevent_changelist")],
    "accreditation.view_staffnote": [
        admin_page("accreditation_staffnote_changelist"),
        application_page_shows("Ask the embassy first."),
    ],
    "accreditation.add_staffnote": [add_note],
    "accreditation.view_ecosocorganization": [
        admin_page("accreditation_ecosocorganization_changelist")
    ],
    "accreditation.add_ecosocorganization": [import_ecosoc_page],
    "events.view_call": [admin_page("events_call_changelist")],
    "events.add_call": [admin_page("events_call_add")],
    "events.change_call": [can_save("events_call_change", pk["call"])],
    "events.delete_call": [admin_page("events_call_delete", pk["call"])],
    "events.view_meeting": [admin_page("events_meeting_changelist")],
    "events.add_meeting": [admin_page("events_meeting_add")],
    "events.change_meeting": [can_save("events_meeting_change", pk["meeting"])],
    "events.delete_meeting": [admin_page("events_meeting_delete", pk["meeting"])],
    "events.view_venue": [admin_page("events_venue_changelist")],
    "events.add_venue": [admin_page("events_venue_add")],
    "events.change_venue": [can_save("events_venue_change", pk["venue"])],
    "events.delete_venue": [admin_page("events_venue_delete", pk["venue"])],
    "accounts.view_user": [admin_page("accounts_user_changelist")],
    "accounts.add_user": [admin_page("accounts_user_add")],
    "accounts.change_user": [can_save("accounts_user_change", pk["user"])],
    "accounts.view_securityevent": [admin_page("accounts_securityevent_changelist")],
    "auth.view_group": [admin_page("auth_group_changelist")],
    "accounts.view_outgoingmail": [admin_page("accounts_outgoingmail_changelist")],
    "accounts.resend_outgoingmail": [send_again_offered],
    "reviews.draw_up_memberstatelist": [office_pages],
    "registration.view_ecosocconfirmation": [
        admin_page("registration_ecosocconfirmation_changelist"),
        admin_page("registration_ecosocconfirmation_change", pk["confirmation"]),
    ],
    "registration.decide_ecosocconfirmation": [
        ecosoc_request_page_offers_answers,
        confirm_ecosoc_status,
    ],
    "registration.view_representative": [
        admin_page("registration_representative_changelist"),
        admin_page("registration_representative_change", pk["representative"]),
        representative_photo,
    ],
    "registration.view_registrationevent": [
        admin_page("registration_registrationevent_changelist"),
        admin_page("registration_registrationevent_change", pk["registration_event"]),
        ecosoc_request_page_shows_registrations,
    ],
}

MEMBERS = {
    REVIEWERS: people.reviewer,
    PGA_OFFICE: people.pga_office,
    ADMINISTRATORS: people.administrator,
}


def implying(permission):
    if not permission.codename.startswith("view_"):
        return []
    return Permission.objects.filter(
        content_type=permission.content_type,
        codename=permission.codename.replace("view_", "change_", 1),
    )


def held_by(role) -> list[Permission]:
    """The role's permissions, as the migrations left its group."""
    return list(Group.objects.get(name=role).permissions.select_related("content_type"))


def name_of(permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


@pytest.mark.parametrize("role", MEMBERS)
def test_every_permission_a_role_holds_opens_a_door_listed_here(role):
    missing = {name_of(permission) for permission in held_by(role)} - DOORS.keys()
    assert not missing, f"Name the doors these permissions open: {sorted(missing)}"


@pytest.mark.parametrize("role", MEMBERS)
def test_taking_a_permission_from_a_role_closes_every_door_it_opened(role, world, client):
    sign_in(client, MEMBERS[role]())
    group = Group.objects.get(name=role)
    problems = []
    for permission in held_by(role):
        name = name_of(permission)
        for door in DOORS.get(name, []):
            if not door(client, world):
                problems.append(f"{role}: {name} does not open {door.__name__}")
        # A door that took a step (start review) is tried again from where it was.
        Application.objects.filter(pk=world.application.pk).update(status=Status.SUBMITTED)

        # Django's admin lets whoever may change a model read it too: both go, or it stays.
        taken = [permission, *implying(permission)]
        group.permissions.remove(*taken)
        for door in DOORS.get(name, []):
            if door(client, world):
                problems.append(f"{role}: {door.__name__} stays open without {name}")
        group.permissions.add(*taken)
    assert not problems, "\n".join(problems)
