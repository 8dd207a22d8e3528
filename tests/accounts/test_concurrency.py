"""Simultaneous requests, as an attacker would send them, against PostgreSQL and Redis."""

import os
import threading
import uuid

import pyotp
import pytest
from django.core import mail
from django.db import connection

from accounts import services
from accounts.models import SecondFactor
from tests.factories import StaffFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "KEY_PREFIX": f"tests-{uuid.uuid4().hex}",
        }
    }


def all_at_once(count, action):
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(action())
        except Exception as error:  # the outcome under test
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_burst_of_link_requests_sends_one_link(redis_cache):
    outcomes = all_at_once(
        12, lambda: services.request_sign_in_link(email="victim@example.org", client_ip="192.0.2.1")
    )

    sent = [outcome for outcome in outcomes if isinstance(outcome, services.PendingSignIn)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, services.RateLimited)]
    assert len(sent) == 1
    assert len(refused) == 11
    assert len(mail.outbox) == 1


def test_a_burst_of_wrong_second_factor_codes_gets_five_guesses(redis_cache):
    staff = StaffFactory()
    factor = services.begin_second_factor_setup(user=staff)
    totp = pyotp.TOTP(factor.secret)
    services.confirm_second_factor(user=staff, code=totp.now())
    wrong = next(code for code in ("000000", "111111", "222222") if code != totp.now())

    outcomes = all_at_once(20, lambda: services.verify_second_factor(user=staff, code=wrong))

    guessed = [outcome for outcome in outcomes if isinstance(outcome, services.WrongCode)]
    throttled = [outcome for outcome in outcomes if isinstance(outcome, services.RateLimited)]
    assert len(guessed) == 5
    assert len(throttled) == 15
    assert SecondFactor.objects.get(user=staff).failed_attempts == 5
