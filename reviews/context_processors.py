from django.utils.functional import SimpleLazyObject

from registration.permissions import can_see_participants

from . import permissions, selectors


def lists(request):
    """Whether the navigation offers the PGA office's pages, asked only when it is shown; and
    the calls whose participants can be listed, read only by a page that lists them."""
    return {
        "can_draw_up_lists": SimpleLazyObject(lambda: permissions.can_draw_up_lists(request.user)),
        "can_see_participants": SimpleLazyObject(lambda: can_see_participants(request.user)),
        "participant_calls": SimpleLazyObject(
            lambda: (
                list(selectors.calls_with_participants())
                if can_see_participants(request.user)
                else []
            )
        ),
    }
