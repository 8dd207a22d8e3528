import importlib
import logging
import os
import socket

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import translation

from tests.factories import StaffFactory

# Helpers that tests import live in tests/helpers.py (and the cast of people in
# tests/people.py): nothing imports from this file, which keeps fixtures and hooks.
from tests.helpers import CHROMIUM_ARGS, chromium_executable, sign_in


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
        mail = importlib.import_module("accounts.migrations.0006_outgoing_mail")
        mail.grant_to_administrators(Group, Permission, ContentType)
        lists = importlib.import_module("reviews.migrations.0004_pga_office_draws_up_lists")
        lists.give_lists_to_the_office(Group, Permission)
        registration = importlib.import_module("registration.migrations.0002_grants")
        registration.give_registration_to_roles(Group, Permission)


@pytest.fixture(autouse=True)
def _on_commit_as_in_production(monkeypatch):
    """transaction.on_commit() callbacks run as they would outside the test's transaction.

    A test that is not transactional runs inside atomic blocks of its own (marked
    ``_from_testcase``) that never commit, so callbacks would never run, and mail, queued on
    commit (accounts/mail.py), would never reach ``mail.outbox``. Here a callback runs when
    the outermost atomic block of the code under test exits without error (Django has already
    dropped those registered in a savepoint that was rolled back), and at once when it is
    registered with only the test's blocks open, as in autocommit. Transactional tests
    commit for real and are left alone.
    """

    def only_test_blocks(connection):
        blocks = connection.atomic_blocks
        return connection.in_atomic_block and blocks and all(b._from_testcase for b in blocks)

    def run(callbacks):
        for _savepoints, callback, robust in callbacks:
            if not robust:
                callback()
                continue
            try:
                callback()
            except Exception:
                logging.getLogger("django.db.backends.base").exception("on_commit() callback")

    def on_commit(connection, func, robust=False):
        if only_test_blocks(connection):
            run([(set(), func, robust)])
        else:
            original_on_commit(connection, func, robust)

    def atomic_exit(block, exc_type, exc_value, traceback):
        connection = transaction.get_connection(block.using)
        suppressed = original_exit(block, exc_type, exc_value, traceback)
        if not block._from_testcase and only_test_blocks(connection):
            callbacks, connection.run_on_commit = connection.run_on_commit, []
            if exc_type is None and not connection.needs_rollback:
                run(callbacks)
        return suppressed

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = transaction.Atomic.__exit__
    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", atomic_exit)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request leaves its language active in the
    thread (LocaleMiddleware), and the next test on the same worker would read French."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client):
    return sign_in(client, StaffFactory())


@pytest.fixture
def unreachable_mail_server(settings):
    """Real SMTP, aimed at a local port nothing listens on: every mail fails to go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    return port
