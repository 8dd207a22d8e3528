from django import template
from django.utils import timezone
from django.utils.formats import date_format

from accounts.roles import role_label as label_of

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """A recorded role's name, in the reader's language."""
    return label_of(role)


@register.filter
def staff_time(value) -> str:
    """A moment as staff read it: day, month in the reader's language, time and zone
    ("1 December 2026, 14:05 UTC")."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    zone = local.tzname() or ""
    return f"{date_format(local, 'j F Y, H:i')} {zone}".strip()


@register.filter
def iso_datetime(value) -> str:
    """For ``<time datetime>``: whole seconds, as the HTML checker accepts them."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
