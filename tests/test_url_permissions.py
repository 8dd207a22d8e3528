"""Every URL × every role, with the status each should get. New views add rows here."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import SecondFactor
from accounts.roles import MEMBER_STATE_DELEGATES
from accreditation import services
from accreditation.models import FocalPoint
from tests.conftest import finish, sign_in
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    OrganizationFactory,
    StaffFactory,
    UserFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "applicant_a", "applicant_b", "staff", "delegate"]


def person(role):
    return UserFactory(email=f"{role}@example.org")


def organization_of(role):
    """The organization an applicant role speaks for: applicant_a and applicant_b each have one."""
    return FocalPoint.objects.get_or_create(
        user=person(role), defaults={"organization": OrganizationFactory()}
    )[0].organization


def draft_of(role):
    return ApplicationFactory(organization=organization_of(role))


def submitted_application_of(role):
    application = complete_application(draft_of(role), by=person(role))
    return services.submit_application(application=application, by=person(role)).application


def document_of(role):
    return submitted_application_of(role).documents.first()


def invitation_of(role):
    return services.invite_focal_point(
        organization=organization_of(role), email="colleague@example.org", by=person(role)
    )


def client_for(role, client):
    if role == "anonymous":
        return client
    if role == "staff":
        return sign_in(client, StaffFactory())
    user = person(role)
    if role.startswith("applicant"):
        organization_of(role)
    if role == "delegate":
        user.groups.add(Group.objects.get_or_create(name=MEMBER_STATE_DELEGATES)[0])
        # Delegates have an authenticator and have passed it in this session.
        SecondFactor.objects.create(user=user, secret="A" * 32, confirmed_at=user.date_joined)
    return sign_in(client, user)


# (url name, kwargs factory, {role: expected status})
PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN_ONLY = {"anonymous": 302} | dict.fromkeys(ROLES[1:], 200)
# Applicant pages, for objects of applicant_a's organization: staff use the admin instead.
APPLICANT_A_ONLY = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "applicant_a": 200}
# Without an organization (staff, delegates) the export sends to the profile form first.
APPLICANTS_ONLY = dict.fromkeys(ROLES, 302) | {"applicant_a": 200, "applicant_b": 200}
TABLE = [
    ("events:call_list", lambda: {}, PUBLIC),
    ("events:call_detail", lambda: {"slug": CallFactory().slug}, PUBLIC),
    ("events:call_detail", lambda: {"slug": CallFactory(is_published=False).slug}, dict.fromkeys(ROLES, 404) | {"staff": 200}),
    ("accounts:sign_in", lambda: {}, PUBLIC),
    ("accounts:account", lambda: {}, SIGNED_IN_ONLY),
    ("admin:index", lambda: {}, dict.fromkeys(ROLES, 302) | {"staff": 200, "anonymous": 302}),
    ("admin:accounts_user_changelist", lambda: {}, dict.fromkeys(ROLES, 302) | {"staff": 200}),
    ("admin:accounts_securityevent_changelist", lambda: {}, dict.fromkeys(ROLES, 302) | {"staff": 200}),
    ("accreditation:dashboard", lambda: {}, SIGNED_IN_ONLY),
    # Delegates apply for no organization: they are sent back to their home.
    ("accreditation:organization", lambda: {}, SIGNED_IN_ONLY | {"delegate": 302}),
    ("accreditation:export", lambda: {}, APPLICANTS_ONLY),
    ("accreditation:delete_account", lambda: {}, SIGNED_IN_ONLY),
    ("accreditation:application", lambda: {"pk": draft_of("applicant_a").pk}, APPLICANT_A_ONLY),
    ("accreditation:submit", lambda: {"pk": draft_of("applicant_a").pk}, APPLICANT_A_ONLY),
    ("accreditation:delete_draft", lambda: {"pk": draft_of("applicant_a").pk}, APPLICANT_A_ONLY),
    ("accreditation:withdraw", lambda: {"pk": submitted_application_of("applicant_a").pk}, APPLICANT_A_ONLY),
    ("accreditation:submitted", lambda: {"pk": submitted_application_of("applicant_a").pk}, APPLICANT_A_ONLY),
    ("accreditation:document", lambda: {"public_id": document_of("applicant_a").public_id}, APPLICANT_A_ONLY | {"staff": 200}),
    ("events:help", lambda: {}, PUBLIC),
    # Leaving or removing a focal point of applicant_a's organization: only its focal points;
    # those without an organization are sent to make one (staff) or home (delegates).
    ("accreditation:remove_focal_point", lambda: {"user_id": person("applicant_a").pk}, APPLICANT_A_ONLY | {"staff": 302, "delegate": 302}),
    # Steps that change something answer a GET with 405, whoever asks.
    ("accreditation:cancel_invitation", lambda: {"pk": invitation_of("applicant_a").pk}, dict.fromkeys(ROLES, 405) | {"anonymous": 302}),
    ("accreditation:decline_invitation", lambda: {"pk": invitation_of("applicant_a").pk}, dict.fromkeys(ROLES, 405) | {"anonymous": 302}),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url_name", "kwargs", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_each_role_gets_the_expected_status(client, role, url_name, kwargs, expected):
    url = reverse(url_name, kwargs=kwargs())
    signed_in = client_for(role, client)

    response = signed_in.get(url)
    finish(response)  # a download streams from an open file

    assert response.status_code == expected[role], f"{role} on {url}"


@pytest.mark.parametrize("role", ["applicant_a", "delegate"])
def test_people_who_are_not_staff_are_sent_from_the_admin_to_a_refusal_not_a_password_form(
    client, role
):
    signed_in = client_for(role, client)

    response = signed_in.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert "password" not in response.content.decode().lower()
