from django import template

from accounts.roles import role_label as label_of

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """A recorded role's name, in the reader's language."""
    return label_of(role)
