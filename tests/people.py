"""The shared cast: one person for each role, and a client signed in as each of them.

Each function makes its person the first time a test asks for them and returns the same
person after that (people are found by their address), so a test can ask for anyone, in any
order, as often as it likes. Staff and delegates have set up their second factor, as the
sign-in flow makes them do; ``signed_in_client`` passes it in the session.

The roles' groups and their permissions come from the data migration
(``reviews/migrations/0001_roles.py``); the ``_roles_after_flush`` fixture makes them again
for transactional tests.
"""

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import SecondFactor, User
from accounts.roles import ADMINISTRATORS, MEMBER_STATE_DELEGATES, PGA_OFFICE, REVIEWERS
from accreditation.models import FocalPoint, Organization
from tests.factories import OrganizationFactory, UserFactory
from tests.helpers import sign_in

ANONYMOUS = "anonymous"
APPLICANT_A = "applicant_a"
APPLICANT_B = "applicant_b"
DELEGATE = "delegate"
REVIEWER = "reviewer"
PGA_OFFICE_MEMBER = "pga_office"
ADMINISTRATOR = "administrator"
SUPERUSER = "superuser"

ROLES = (
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    DELEGATE,
    REVIEWER,
    PGA_OFFICE_MEMBER,
    ADMINISTRATOR,
    SUPERUSER,
)
APPLICANTS = (APPLICANT_A, APPLICANT_B)
# Everyone who can open /admin/.
STAFF = (REVIEWER, PGA_OFFICE_MEMBER, ADMINISTRATOR, SUPERUSER)
# Signed in, but not staff.
NOT_STAFF = (APPLICANT_A, APPLICANT_B, DELEGATE)

ORGANIZATION_A = "Alpha Migrant Voices"
ORGANIZATION_B = "Beta Refugee Council"
DELEGATE_MEMBER_STATE = "FR"
# A base32 TOTP secret; no test here computes codes from it.
SECOND_FACTOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

EMAILS = {
    APPLICANT_A: "applicant.a@example.org",
    APPLICANT_B: "applicant.b@example.org",
    DELEGATE: "delegate@mission.example.org",
    REVIEWER: "reviewer@un.example.org",
    PGA_OFFICE_MEMBER: "pga.office@un.example.org",
    ADMINISTRATOR: "administrator@un.example.org",
    SUPERUSER: "superuser@un.example.org",
}


def _focal_point(role: str, organization_name: str, acronym: str) -> User:
    user = UserFactory(email=EMAILS[role])
    if not FocalPoint.objects.filter(user=user).exists():
        organization = Organization.objects.filter(
            name=organization_name
        ).first() or OrganizationFactory(name=organization_name, acronym=acronym)
        FocalPoint.objects.create(user=user, organization=organization)
    return user


def with_second_factor(user: User) -> User:
    """The authenticator app set up at the first sign-in."""
    SecondFactor.objects.get_or_create(
        user=user, defaults={"secret": SECOND_FACTOR_SECRET, "confirmed_at": timezone.now()}
    )
    return user


def _in_group(user: User, group_name: str) -> User:
    user.groups.add(Group.objects.get(name=group_name))
    return with_second_factor(user)


def applicant_a() -> User:
    """A focal point of organization A (``ORGANIZATION_A``)."""
    return _focal_point(APPLICANT_A, ORGANIZATION_A, "AMV")


def applicant_b() -> User:
    """A focal point of organization B (``ORGANIZATION_B``), which has nothing to do with A."""
    return _focal_point(APPLICANT_B, ORGANIZATION_B, "BRC")


def organization_a() -> Organization:
    return applicant_a().focal_point.organization


def organization_b() -> Organization:
    return applicant_b().focal_point.organization


def delegate() -> User:
    """A Member State delegate: the group, the Member State they represent, a second factor."""
    user = UserFactory(email=EMAILS[DELEGATE], member_state=DELEGATE_MEMBER_STATE)
    return _in_group(user, MEMBER_STATE_DELEGATES)


def reviewer() -> User:
    return _in_group(UserFactory(email=EMAILS[REVIEWER], is_staff=True), REVIEWERS)


def pga_office() -> User:
    return _in_group(UserFactory(email=EMAILS[PGA_OFFICE_MEMBER], is_staff=True), PGA_OFFICE)


def administrator() -> User:
    return _in_group(UserFactory(email=EMAILS[ADMINISTRATOR], is_staff=True), ADMINISTRATORS)


def superuser() -> User:
    """In no group: a superuser has every permission."""
    user = UserFactory(email=EMAILS[SUPERUSER], is_staff=True, is_superuser=True)
    return with_second_factor(user)


MAKERS = {
    APPLICANT_A: applicant_a,
    APPLICANT_B: applicant_b,
    DELEGATE: delegate,
    REVIEWER: reviewer,
    PGA_OFFICE_MEMBER: pga_office,
    ADMINISTRATOR: administrator,
    SUPERUSER: superuser,
}


def person(role: str) -> User | None:
    """The person of a role; None for the anonymous visitor."""
    if role == ANONYMOUS:
        return None
    return MAKERS[role]()


def cast() -> dict[str, User | None]:
    """Everyone, by role."""
    return {role: person(role) for role in ROLES}


def signed_in_client(role: str, client: Client | None = None) -> Client:
    """A client signed in as the role's person, second factor passed (anonymous: signed out).

    Pass pytest-django's ``client`` for one role; leave it out for a fresh client, e.g. one
    per role in the same test.
    """
    client = client or Client()
    user = person(role)
    if user is None:
        return client
    return sign_in(client, user)


def signed_in_clients(roles=ROLES) -> dict[str, Client]:
    """A fresh client for each role, signed in."""
    return {role: signed_in_client(role) for role in roles}
