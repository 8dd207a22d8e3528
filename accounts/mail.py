"""Mail in the reader's language, with a plain-text and an HTML part."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_mail(
    template: str, recipients: list[str], context: dict, *, language: str
) -> None:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html`` and send them."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL}
        message = EmailMultiAlternatives(
            render_to_string(f"{template}_subject.txt", context).strip(),
            render_to_string(f"{template}.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send()
