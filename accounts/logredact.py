"""Keep sign-in tokens out of every log line.

Access logs and Django's own warnings ("Not Found: /s/…") carry request paths,
and a sign-in link's path is a credential. Redacting when the record is made
covers every logger and handler, including ones added later.
"""

import logging
import re

# The path as sent, and URL-encoded inside another address's query string.
SIGN_IN_PATH = re.compile(r"(/|%2F|%252F)s(/|%2F|%252F)[A-Za-z0-9_%-]+", re.IGNORECASE)
REDACTED = "/s/[redacted]"

_installed = False


def redact(text: str) -> str:
    return SIGN_IN_PATH.sub(REDACTED, text)


def install() -> None:
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call; logging reports it itself
            return record
        if "s/" in message or "s%2" in message.lower():
            record.msg = redact(message)
            record.args = None
        return record

    logging.setLogRecordFactory(redacting_record)
    _installed = True
