from django.utils.functional import SimpleLazyObject

from . import permissions


def lists(request):
    """Whether the navigation offers the PGA office's pages, asked only when it is shown."""
    return {
        "can_draw_up_lists": SimpleLazyObject(lambda: permissions.can_draw_up_lists(request.user)),
    }
