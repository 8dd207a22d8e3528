from django.utils.functional import SimpleLazyObject

from . import permissions as rules


def roles(request):
    """What the navigation needs to know of the person's role, asked only when it is shown."""
    return {
        "is_member_state_delegate": SimpleLazyObject(
            lambda: rules.is_member_state_delegate(request.user)
        ),
        "can_delete_own_account": SimpleLazyObject(
            lambda: rules.can_delete_own_account(request.user)
        ),
    }
