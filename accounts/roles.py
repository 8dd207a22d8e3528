"""Who must pass a second factor. The groups themselves are set up with the review roles."""

from .models import SecondFactor

MEMBER_STATE_DELEGATES = "Member State delegates"


def requires_second_factor(user) -> bool:
    """Staff and delegates always; anyone else who turned it on."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.groups.filter(name=MEMBER_STATE_DELEGATES).exists():
        return True
    return has_confirmed_second_factor(user)


def has_confirmed_second_factor(user) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


REVIEWERS = "Reviewers"
PGA_OFFICE = "PGA office"
ADMINISTRATORS = "Administrators"
APPLICANT = "Applicant"


def role_of(user) -> str:
    """The role someone acted in, for the record."""
    if user is None:
        return ""
    names = set(user.groups.values_list("name", flat=True))
    for role in (ADMINISTRATORS, REVIEWERS, PGA_OFFICE, MEMBER_STATE_DELEGATES):
        if role in names:
            return role
    if user.is_superuser:
        return ADMINISTRATORS
    return "Staff" if user.is_staff else APPLICANT
