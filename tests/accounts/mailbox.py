"""Reading sign-in links and codes out of sent mail, as a person would."""

import re

from django.core import mail

LINK = re.compile(r"^(https?://\S+/s/\S+)$", re.MULTILINE)
CODE = re.compile(r"^\s+([A-Z0-9]{4}-[A-Z0-9]{4})$", re.MULTILINE)


def last_link_and_code(to: str) -> tuple[str, str]:
    message = next(m for m in reversed(mail.outbox) if m.to == [to])
    return LINK.search(message.body).group(1), CODE.search(message.body).group(1)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]
