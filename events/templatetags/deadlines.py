from datetime import UTC

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from events import timefmt
from events.models import CallState

register = template.Library()


@register.simple_tag
def instant(moment, venue):
    """An instant in the venue's time zone, with UTC on hover and in text."""
    utc_text = timefmt.in_utc(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time> <span class="text-body-secondary">({})</span>',
        moment.astimezone(UTC).isoformat(timespec="seconds"),
        utc_text,
        timefmt.in_zone(moment, venue.tzinfo, venue.city),
        utc_text,
    )


@register.simple_tag
def time_left(call):
    """“closes in 3 days”, “opens in 5 hours” or “closed”, from the clock."""
    now = timezone.now()
    state = call.state_at(now)
    if state == CallState.OPEN:
        return _("closes in %(duration)s") % {
            "duration": timefmt.duration_words(call.deadline - now)
        }
    if state == CallState.UPCOMING:
        return _("opens in %(duration)s") % {
            "duration": timefmt.duration_words(call.opens_at - now)
        }
    return _("closed")
