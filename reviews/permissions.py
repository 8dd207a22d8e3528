"""What each staff role may do on the staff side, named once.

The admin classes, custom admin views, actions and services of ``reviews`` ask these
predicates; the permissions themselves are the roles' groups (``reviews/migrations/0001``).
Rules about organizations and documents that the applicant's side shares live in
``accreditation.permissions``.
"""

from accounts.permissions import is_member_state_delegate
from accreditation.permissions import can_open_submitted_documents, can_read_organizations

__all__ = [
    "can_add_staff_notes",
    "can_draw_up_lists",
    "can_import_ecosoc_list",
    "can_open_submitted_documents",
    "can_read_document_record",
    "can_read_internal_notes",
    "can_read_organizations",
    "can_read_status_history",
    "can_review",
    "member_state_of",
]


def can_review(user) -> bool:
    """Take review steps: start, request information, recommend or not, reopen."""
    return user.is_authenticated and user.has_perm("accreditation.review_application")


def can_add_staff_notes(user) -> bool:
    return user.is_authenticated and user.has_perm("accreditation.add_staffnote")


def can_read_internal_notes(user) -> bool:
    """Internal notes, and the internal reason given for a step."""
    return user.is_authenticated and user.has_perm("accreditation.view_staffnote")


def can_read_status_history(user) -> bool:
    return user.is_authenticated and user.has_perm("accreditation.view_statuschange")


def can_read_document_record(user) -> bool:
    """Who uploaded, replaced, removed and opened which document."""
    return user.is_authenticated and user.has_perm("accreditation.view_documentevent")


def can_import_ecosoc_list(user) -> bool:
    return user.is_authenticated and user.has_perm("accreditation.add_ecosocorganization")


def can_draw_up_lists(user) -> bool:
    """The PGA office: draws up, circulates and finalizes the lists, shares what delegates
    ask for, and sees every Member State's objections."""
    return user.is_authenticated and user.has_perm("reviews.draw_up_memberstatelist")


def member_state_of(user) -> str:
    """The Member State a delegate speaks for ("" for anyone else): set by an administrator."""
    if not is_member_state_delegate(user):
        return ""
    return user.member_state.code or ""
