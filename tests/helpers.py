"""Plain helpers that tests import (fixtures and hooks stay in ``conftest.py``)."""

import os
from pathlib import Path

from django.utils import timezone

from accounts.middleware import LAST_SEEN_AT, SECOND_FACTOR_AT, SIGNED_IN_AT

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
# As root Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    """The system's Chromium, or None to let Playwright use its own download."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    return next((path for path in CHROMIUM_CANDIDATES if Path(path).exists()), None)


def sign_in(client, user, *, second_factor_passed=True):
    """A session as the sign-in flow leaves it, without going through the mail."""
    client.force_login(user)
    session = client.session
    now = timezone.now().timestamp()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    if second_factor_passed:
        session[SECOND_FACTOR_AT] = now
    session.save()
    return client


def finish(response):
    """Read a streamed download to its end, so that its file is closed.

    The test client then closes the response itself, with Django's
    close_old_connections() held back; calling response.close() directly would
    drop the test's database connection (on PostgreSQL).
    """
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def content_of(response) -> bytes:
    """The whole body, a streamed one too (read to its end, so that its file is closed)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
