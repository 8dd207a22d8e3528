"""Settings for the test suite: the project's settings with test-only speed-ups.

DATABASE_URL still chooses the database, so the same suite runs on SQLite and
PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)
# The test client and the live server speak plain HTTP; production cookie
# settings are checked in a separate process (tests/accounts/test_sessions.py).
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# pytest-django collects mail in memory; the embedded backend is only named here.
os.environ.setdefault("DJANGO_EMBEDDED_MAIL", "1")

from accreditation.settings import *  # noqa: F403

_scratch = Path(tempfile.mkdtemp(prefix="accreditation-tests-"))
MEDIA_ROOT = _scratch / "media"
EMAIL_FILE_PATH = _scratch / "mail"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run over plain HTTP against the test client and a live server.
SECURE_SSL_REDIRECT = False
# Mail is sent as each transaction commits (conftest.py runs on_commit callbacks at the end of
# the code's own transactions), into pytest-django's mail.outbox; tests of the queue itself
# switch to the database backend (tests/accounts/test_mail_queue.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True
