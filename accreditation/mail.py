"""The embedded mail backend: every message to the console and to its own file.

Without an SMTP server a developer still sees each message in the terminal and
can open it, attachments and HTML part included, from ``var/mail/*.eml``.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.utils import timezone


class ConsoleAndFileBackend(ConsoleBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        directory = Path(settings.EMAIL_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            (directory / name).write_bytes(message.message().as_bytes(linesep="\r\n"))
        return sent
