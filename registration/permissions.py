"""Who may see and change representatives, named once.

Focal points keep their own organization's representatives (``Representative.objects
.for_user``). On the staff side: the PGA office and administrators see every representative
and export participant lists; reviewers confirm or refuse ECOSOC status and see no
representative; Member State delegates see none.
"""

from accreditation.permissions import is_focal_point

__all__ = [
    "can_decide_ecosoc_status",
    "can_read_registration_record",
    "can_see_participants",
    "can_see_photo",
    "is_focal_point",
]


def can_see_participants(user) -> bool:
    """Every call's representatives, their photos and the participant lists' exports."""
    return user.is_authenticated and user.has_perm("registration.view_representative")


def can_read_registration_record(user) -> bool:
    """Every entry of the registration record, the representatives' names included."""
    return user.is_authenticated and user.has_perm("registration.view_registrationevent")


def can_decide_ecosoc_status(user) -> bool:
    return user.is_authenticated and user.has_perm("registration.decide_ecosocconfirmation")


def can_see_photo(user, representative) -> bool:
    if can_see_participants(user):
        return True
    return (
        user.is_authenticated and representative.organization.memberships.filter(user=user).exists()
    )
