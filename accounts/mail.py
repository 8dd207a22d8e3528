"""Mail in the reader's language, with a plain-text and an HTML part, queued, never sent in line.

A message is rendered when the step that causes it is taken and stored, in that step's
transaction, as an OutgoingMail; a task (``accounts.tasks.deliver_mail``) sends it once the
transaction commits, and tries again while the SMTP server refuses it or cannot be reached.
A step that is rolled back sends nothing.
"""

import re
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

from .models import OutgoingMail
from .tasks import enqueue_delivery

# Sign-in mail goes first: someone is waiting for it, while a bulk step's hundred messages
# can wait a little (the database worker takes the highest priority first).
NORMAL_PRIORITY = 0
# Any run of white space, line breaks included, but the no-break spaces (U+00A0, U+202F).
ONE_LINE = re.compile(r"[^\S\u00a0\u202f]+")
SIGN_IN_PRIORITY = 50


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
    priority: int = NORMAL_PRIORITY,
    expires_at: datetime | None = None,
) -> OutgoingMail:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html`` and queue them.

    ``reply_to``: where answers go instead of the portal's own no-reply sender.
    ``priority``: ``SIGN_IN_PRIORITY`` for mail someone is waiting for.
    ``expires_at``: after this the message is no longer worth sending (a sign-in link's end).

    Nothing is sent here: the message is stored and its delivery queued for when the current
    transaction commits (at once outside one). Failures to deliver are the task's, never the
    caller's: they are retried, and kept for administrators past the last attempt.
    """
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        # A subject is one line: a line break in a value would start a new header. The
        # no-break spaces French puts before a colon stay.
        subject = ONE_LINE.sub(" ", render_text(f"{template}_subject.txt", context)).strip()
        body_text = render_text(f"{template}.txt", context)
        body_html = render_to_string(f"{template}.html", context)
    # The message and its task together, even outside a transaction of the caller's.
    with transaction.atomic():
        mail = OutgoingMail.objects.create(
            template=template,
            recipients="\n".join(recipients),
            reply_to="\n".join(reply_to or []),
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            language=language,
            priority=priority,
            expires_at=expires_at,
        )
        enqueue_delivery(mail)
    return mail
