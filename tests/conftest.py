import importlib
import os
import socket
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from accounts.middleware import LAST_SEEN_AT, SECOND_FACTOR_AT, SIGNED_IN_AT
from tests.factories import StaffFactory

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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgresql`` need row locks that SQLite lacks; CI's second pass runs them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    selected = [item for item in items if item.get_closest_marker("postgresql") is None]
    deselected = [item for item in items if item.get_closest_marker("postgresql") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses
    # database calls from such a thread unless told it is safe, which it is
    # here: the test and the live server use their own connections.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    browser_page = context.new_page()
    browser_page.set_default_timeout(10_000)
    yield browser_page
    context.close()


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


@pytest.fixture(autouse=True)
def _roles_after_flush(request):
    """Transactional tests start with the roles' groups, as the data migration made them.

    Such a test empties every table when it ends, the groups included (a serialized
    rollback would restore them, but Playwright's event loop gives the browser tests a
    database connection other than the one serialized). Other tests keep them anyway.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        roles = importlib.import_module("reviews.migrations.0001_roles")
        roles.set_up_roles(Group, Permission)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client):
    return sign_in(client, StaffFactory())


def finish(response):
    """Read a streamed download to its end, so that its file is closed.

    The test client then closes the response itself, with Django's
    close_old_connections() held back; calling response.close() directly would
    drop the test's database connection (on PostgreSQL).
    """
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.fixture
def unreachable_mail_server(settings):
    """Real SMTP, aimed at a local port nothing listens on: every mail fails to go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    return port
