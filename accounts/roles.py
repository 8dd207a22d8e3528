"""The roles: their names, their labels in the reader's language, and the role someone acted in.

The groups themselves are set up by a migration of ``reviews``; what each role may do is
asked of ``accounts.permissions`` (and each app's own ``permissions`` module).
"""

from django.utils.translation import pgettext_lazy

MEMBER_STATE_DELEGATES = "Member State delegates"


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
