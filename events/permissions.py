"""Who may see what of calls and meetings, named once."""


def can_see_unpublished_calls(user) -> bool:
    """Staff check a call on its public page before it is published; nobody else sees it."""
    return user.is_active and user.is_staff
