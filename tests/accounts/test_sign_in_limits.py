import os
import re
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KNOWN = "known@example.org"
UNKNOWN = "unknown@example.org"


def ask(client, email, ip="192.0.2.1"):
    return client.post(reverse("accounts:sign_in"), {"email": email}, REMOTE_ADDR=ip, follow=True)


def page_for_attacker(response, email) -> str:
    """What the asker sees, with the address they typed taken out."""
    html = response.content.decode().replace(email, "ADDRESS").replace(quote(email), "ADDRESS")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_known_and_unknown_addresses_get_the_same_answer():
    UserFactory(email=KNOWN)
    known_client, unknown_client = Client(), Client()

    known = ask(known_client, KNOWN)
    unknown = ask(unknown_client, UNKNOWN, ip="192.0.2.2")

    assert known.status_code == unknown.status_code == 200
    assert [t.name for t in known.templates] == [t.name for t in unknown.templates]
    assert page_for_attacker(known, KNOWN) == page_for_attacker(unknown, UNKNOWN)
    assert [m.to for m in mail.outbox] == [[KNOWN], [UNKNOWN]]


def test_a_closed_account_gets_the_same_answer_and_a_notice_instead_of_a_link():
    UserFactory(email=KNOWN, is_active=False)
    closed_client, unknown_client = Client(), Client()

    closed = ask(closed_client, KNOWN)
    unknown = ask(unknown_client, UNKNOWN, ip="192.0.2.2")

    assert page_for_attacker(closed, KNOWN) == page_for_attacker(unknown, UNKNOWN)
    notice = mail.outbox[0]
    assert notice.to == [KNOWN]
    assert "/s/" not in notice.body
    assert "the account is closed" in notice.body
    wrong = closed_client.post(reverse("accounts:sign_in_sent"), {"code": "ABCD-EFGH"})
    assert "That code is not right" in wrong.content.decode()


@pytest.mark.parametrize("email", [KNOWN, UNKNOWN])
def test_a_new_link_at_most_once_a_minute(client, email):
    UserFactory(email=KNOWN)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client, email)
        sent_page = client.get(reverse("accounts:sign_in_sent")).content.decode()
    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        refused = ask(client, email)
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        allowed = ask(client, email)

    assert "You can ask for a new link in 60 seconds." in sent_page
    refused_html = refused.content.decode()
    assert "You can ask for another in 15 seconds." in refused_html
    assert 'id="error_1_id_email"' in refused_html or "invalid-feedback" in refused_html
    assert f'value="{email}"' in refused_html
    assert allowed.redirect_chain[-1][0] == reverse("accounts:sign_in_sent")
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("email", [KNOWN, UNKNOWN])
def test_at_most_five_links_per_address_in_fifteen_minutes(client, email):
    UserFactory(email=KNOWN)
    start = timezone.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute), tick=False):
            ask(client, email)

    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        refused = ask(client, email, ip="198.51.100.7")
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        allowed = ask(client, email)

    assert (
        "Too many sign-in links were asked for. Try again in 5 minutes." in refused.content.decode()
    )
    assert allowed.redirect_chain[-1][0] == reverse("accounts:sign_in_sent")
    assert len(mail.outbox) == 6


def test_at_most_twenty_links_per_client_address_in_fifteen_minutes(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for number in range(20):
            ask(Client(), f"person{number}@example.org", ip="203.0.113.5")
        refused = ask(client, "one.more@example.org", ip="203.0.113.5")
        elsewhere = ask(Client(), "one.more@example.org", ip="203.0.113.6")

    assert "Try again in 15 minutes." in refused.content.decode()
    assert elsewhere.redirect_chain[-1][0] == reverse("accounts:sign_in_sent")
    assert len(mail.outbox) == 21


def test_a_refused_request_keeps_the_address_typed(client):
    ask(client, KNOWN)

    refused = ask(client, KNOWN)

    html = refused.content.decode()
    assert 'role="alert"' in html
    assert f'value="{KNOWN}"' in html


def test_behind_a_proxy_clients_are_told_apart_by_the_address_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def ask_through_proxy(email, forwarded_for):
        return Client().post(
            reverse("accounts:sign_in"),
            {"email": email},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded_for,
            follow=True,
        )

    for number in range(20):
        # A client cannot escape its limit by sending its own X-Forwarded-For.
        ask_through_proxy(f"person{number}@example.org", f"1.2.3.{number}, 203.0.113.5")
    refused = ask_through_proxy("one.more@example.org", "203.0.113.5")
    other_client = ask_through_proxy("one.more@example.org", "198.51.100.9")

    assert "Try again in 15 minutes." in refused.content.decode()
    assert other_client.redirect_chain[-1][0] == reverse("accounts:sign_in_sent")


def test_limits_are_shared_through_redis(settings, client):
    """Production counts in Redis, so that every process sees the same counters."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "KEY_PREFIX": f"tests-{uuid.uuid4().hex}",
        }
    }
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(Client(), KNOWN)
        refused = ask(client, KNOWN, ip="192.0.2.99")
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        allowed = ask(client, KNOWN, ip="192.0.2.99")

    assert "You can ask for another in 60 seconds." in refused.content.decode()
    assert allowed.redirect_chain[-1][0] == reverse("accounts:sign_in_sent")
    assert caches["default"].__class__.__name__ == "RedisCache"
