"""Who must pass a second factor. The groups themselves are set up with the review roles."""

from django.utils.translation import pgettext_lazy

from .models import SecondFactor

MEMBER_STATE_DELEGATES = "Member State delegates"


def requires_second_factor(user) -> bool:
    """Staff and delegates always; anyone else who turned it on."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if is_member_state_delegate(user):
        return True
    return has_confirmed_second_factor(user)


def is_member_state_delegate(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=MEMBER_STATE_DELEGATES).exists()


def can_delete_own_account(user) -> bool:
    """Focal points and people who never joined an organization delete their own account.

    Staff and Member State delegates are given their accounts by an administrator, and the
    record names them for what they did: an administrator closes those accounts.
    """
    return user.is_authenticated and not user.is_staff and not is_member_state_delegate(user)


def has_confirmed_second_factor(user) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


REVIEWERS = "Reviewers"
PGA_OFFICE = "PGA office"
ADMINISTRATORS = "Administrators"
APPLICANT = "Applicant"
STAFF = "Staff"

# The record keeps the role's name as it was; people read it in their language.
ROLE_LABELS = {
    REVIEWERS: pgettext_lazy("role", "Reviewers"),
    PGA_OFFICE: pgettext_lazy("role", "PGA office"),
    ADMINISTRATORS: pgettext_lazy("role", "Administrators"),
    MEMBER_STATE_DELEGATES: pgettext_lazy("role", "Member State delegates"),
    APPLICANT: pgettext_lazy("role", "Applicant"),
    STAFF: pgettext_lazy("role", "Staff"),
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def role_of(user) -> str:
    """The role someone acted in, for the record."""
    if user is None:
        return ""
    names = set(user.groups.values_list("name", flat=True))
    # Someone in several groups is recorded in the one that takes review steps first.
    for role in (REVIEWERS, PGA_OFFICE, ADMINISTRATORS, MEMBER_STATE_DELEGATES):
        if role in names:
            return role
    if user.is_superuser:
        return ADMINISTRATORS
    return STAFF if user.is_staff else APPLICANT
