"""Mail in the reader's language, with a plain-text and an HTML part."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, rendered without HTML escaping (“Women & Children”, not “&amp;”)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_mail(
    template: str,
    recipients: list[str],
    context: dict,
    *,
    language: str,
    reply_to: list[str] | None = None,
) -> None:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html`` and send them.

    ``reply_to``: where answers go instead of the portal's own no-reply sender.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL}
        # A subject is one line: a line break in a value would start a new header.
        subject = " ".join(render_text(f"{template}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject,
            render_text(f"{template}.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            reply_to=reply_to,
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send()
