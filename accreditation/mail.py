"""The embedded mail backend: every message to the console and to its own file.

Without an SMTP server a developer still sees each message in the terminal and
can open it, attachments and HTML part included, from ``var/mail/*.eml``. Outside
debug mode the console copy has its sign-in links redacted: a console is often a
server log.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.utils import timezone

from accounts.logredact import redact


class ConsoleAndFileBackend(ConsoleBackend):
    def write_message(self, message):
        if settings.DEBUG:
            return super().write_message(message)
        # Headers and the plain-text part, decoded, so that a link split by the transfer
        # encoding is still found and redacted; the whole message is in its file.
        msg = message.message()
        lines = [f"{name}: {msg[name]}" for name in ("From", "To", "Subject") if msg[name]]
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True) or b""
                text = payload.decode(part.get_content_charset() or "utf-8", "replace")
                lines += ["", redact(text)]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        directory = Path(settings.EMAIL_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            (directory / name).write_bytes(message.message().as_bytes(linesep="\r\n"))
        return sent
