"""Who may see and do what with organizations, applications and their documents.

Each rule is named once here; views, admin classes, selectors and services ask these
predicates instead of spelling out permission strings.
"""

from accounts.permissions import can_delete_own_account

from .models import Application, Organization

__all__ = [
    "can_delete_own_account",
    "can_open_submitted_documents",
    "can_read_organizations",
    "is_focal_point",
    "is_visible_to_staff",
]


def is_focal_point(user, organization: Organization) -> bool:
    """Speaks for the organization: may change its profile and applications."""
    return (
        user.is_authenticated
        and organization.memberships.filter(user=user, user__is_active=True).exists()
    )


def can_open_submitted_documents(user) -> bool:
    """Staff who read the documents of submitted applications (reviewers, the PGA office)."""
    return user.is_authenticated and user.is_staff and user.has_perm("accreditation.view_document")


def can_read_organizations(user) -> bool:
    """Staff who read organizations' profiles, and so who speaks for them and what happened
    to that membership: everyone the review steps are mailed to is one of them."""
    return user.is_authenticated and user.has_perm("accreditation.view_organization")


def is_visible_to_staff(application: Application) -> bool:
    """A draft is the organization's own until it is submitted."""
    return Application.objects.submitted().filter(pk=application.pk).exists()
