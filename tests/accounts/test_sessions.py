import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.mailbox import last_link_and_code, path_of
from tests.factories import StaffFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

EMAIL = "focal.point@example.org"


def link_sign_in(client, email=EMAIL, **extra):
    client.post(reverse("accounts:sign_in"), {"email": email, **extra})
    link, _ = last_link_and_code(email)
    return client.post(path_of(link))


def test_the_session_key_changes_at_sign_in(client):
    client.get(reverse("accounts:sign_in"))
    client.post(reverse("accounts:sign_in"), {"email": EMAIL})
    before = client.cookies["sessionid"].value
    link, _ = last_link_and_code(EMAIL)

    client.post(path_of(link))

    assert client.cookies["sessionid"].value != before


def test_sign_out_is_a_post_and_leaves_the_old_cookie_worthless(client):
    link_sign_in(client)
    old_cookie = client.cookies["sessionid"].value

    refused = client.get(reverse("accounts:sign_out"))
    client.post(reverse("accounts:sign_out"))
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    response = replay.get(reverse("accounts:account"))

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(
    ("make_user", "idle"),
    [(UserFactory, timedelta(hours=8)), (StaffFactory, timedelta(minutes=30))],
)
def test_a_session_ends_after_its_idle_time(client, make_user, idle):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, make_user())
    with time_machine.travel(start + idle - timedelta(minutes=1), tick=False):
        still_in = client.get(reverse("accounts:account"))
    with time_machine.travel(start + 2 * idle - timedelta(minutes=1), tick=False):
        after_idle = client.get(reverse("accounts:account"))

    assert still_in.status_code == 200
    assert after_idle.status_code == 302


def test_a_busy_session_still_ends_after_twelve_hours(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, UserFactory())
    for hour in range(1, 12):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            assert client.get(reverse("accounts:account")).status_code == 200

    with time_machine.travel(start + timedelta(hours=12), tick=False):
        response = client.get(reverse("accounts:account"))

    assert response.status_code == 302


def test_idle_times_are_settings(client, settings):
    settings.SESSION_IDLE_MINUTES_APPLICANT = 10
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, UserFactory())
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        response = client.get(reverse("accounts:account"))

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("url_name", "kwargs", "data"),
    [
        ("accounts:sign_in", {}, {"email": EMAIL}),
        ("accounts:sign_in_sent", {}, {"code": "ABCD-EFGH"}),
        ("accounts:link", {"token": "x" * 27}, {}),
        ("accounts:sign_out", {}, {}),
        ("accounts:account", {}, {"given_name": "A"}),
        ("accounts:second_factor_setup", {}, {"code": "123456"}),
        ("accounts:second_factor_verify", {}, {"code": "123456"}),
        ("set_language", {}, {"language": "fr"}),
    ],
)
def test_every_post_is_refused_without_a_csrf_token(url_name, kwargs, data):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, UserFactory())

    response = client.post(reverse(url_name, kwargs=kwargs), data)

    assert response.status_code == 403


def test_the_link_post_is_refused_without_a_csrf_token_and_the_link_survives():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:sign_in"))
    client.post(
        reverse("accounts:sign_in"),
        {"email": EMAIL, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    link, _ = last_link_and_code(EMAIL)

    forged = Client(enforce_csrf_checks=True).post(path_of(link))
    page = client.get(path_of(link))

    assert forged.status_code == 403
    assert page.status_code == 200


@pytest.mark.parametrize("url", ["/account/sign-in/", "/account/sign-in/sent/", "/s/abc"])
def test_link_pages_are_never_cached_and_never_sent_as_referer(client, url):
    client.post(reverse("accounts:sign_in"), {"email": EMAIL})

    response = client.get(url)

    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_link_pages_load_nothing_from_elsewhere_and_run_no_script(client):
    client.post(reverse("accounts:sign_in"), {"email": EMAIL})
    link, _ = last_link_and_code(EMAIL)

    html = client.get(path_of(link)).content.decode()

    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_a_foreign_host_header_gets_400(client):
    response = client.get(reverse("accounts:sign_in"), HTTP_HOST="evil.example.com")

    assert response.status_code == 400


def test_tokens_and_codes_never_reach_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(reverse("accounts:sign_in"), {"email": EMAIL})
    link, code = last_link_and_code(EMAIL)
    token = link.rsplit("/", 1)[1]
    # A forged POST (403) and a 404 on a near-miss address both log the path.
    Client(enforce_csrf_checks=True).post(path_of(link))
    client.get(path_of(link) + "/extra")
    client.post(reverse("accounts:sign_in_sent"), {"code": "WRONG-CODE"})
    client.post(reverse("accounts:sign_in_sent"), {"code": code})
    logging.getLogger("django.server").info('"GET %s HTTP/1.1" 200 512', path_of(link))

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Forbidden" in logged
    assert "/s/[redacted]" in logged
    assert token not in logged
    assert code not in logged
    assert code.replace("-", "") not in logged


def test_production_cookies_are_secure_httponly_lax_with_host_prefix(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_"))
    } | {
        "DJANGO_SETTINGS_MODULE": "accreditation.settings",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "accreditation.example.org",
        "DJANGO_VAR_DIR": str(tmp_path),
        "EMAIL_HOST": "smtp.example.org",
    }
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_SAMESITE)"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid", "True", "True", "Lax", "__Host-csrftoken", "True", "Lax",
    ]  # fmt: skip


def test_a_post_from_a_no_referrer_page_is_accepted_on_its_csrf_token():
    # Browsers send "Origin: null" on form posts from pages sent with
    # Referrer-Policy: no-referrer, which every sign-in page is.
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:sign_in"))
    token = client.cookies["csrftoken"].value

    with_token = client.post(
        reverse("accounts:sign_in"),
        {"email": EMAIL, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
    )
    without_token = Client(enforce_csrf_checks=True).post(
        reverse("accounts:sign_in"), {"email": "other@example.org"}, HTTP_ORIGIN="null"
    )
    foreign_origin = client.post(
        reverse("accounts:sign_in"),
        {"email": "third@example.org", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://evil.example.com",
    )

    assert with_token.status_code == 302
    assert without_token.status_code == 403
    assert foreign_origin.status_code == 403
