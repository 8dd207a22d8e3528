"""The admin's warning before the idle limit, and the "Stay signed in" view behind it."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LAST_SEEN_AT
from tests.factories import StaffFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

STAY = "accounts:stay_signed_in"


def test_staying_signed_in_counts_the_idle_time_from_then(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, StaffFactory())
    # Sooner than the middleware's own once-a-minute update: only the view can do it.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        response = client.post(reverse(STAY))
    with time_machine.travel(start + timedelta(minutes=30, seconds=15), tick=False):
        still_in = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.json() == {"idle_seconds_left": 30 * 60}
    assert client.session[LAST_SEEN_AT] == (start + timedelta(minutes=30, seconds=15)).timestamp()
    assert still_in.status_code == 200


def test_staying_signed_in_is_a_post(staff_client):
    assert staff_client.get(reverse(STAY)).status_code == 405


def test_staying_signed_in_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, StaffFactory())
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        response = client.post(reverse(STAY))

    assert response.status_code == 403
    assert client.session[LAST_SEEN_AT] == start.timestamp()


def test_staying_signed_in_is_refused_to_anonymous_people(client):
    assert client.post(reverse(STAY)).status_code == 403


def test_an_ended_session_is_not_revived(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, StaffFactory())
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.post(reverse(STAY))
        after = client.get(reverse("admin:index"))

    assert response.status_code == 403
    assert after.status_code == 302


def test_admin_pages_tell_the_script_the_idle_limit_and_the_time_left(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, StaffFactory())
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        html = client.get(reverse("admin:index")).content.decode()

    assert 'data-idle-limit="1800"' in html
    assert 'data-idle-left="1760"' in html
    assert 'data-warn-before="120"' in html
    assert "Your session ends in 2 minutes because of inactivity." in html
    assert "Stay signed in" in html
    assert "js/admin-session" in html


def test_the_warning_lead_time_is_a_setting(staff_client, settings):
    settings.SESSION_IDLE_WARNING_SECONDS = 300

    html = staff_client.get(reverse("admin:index")).content.decode()

    assert 'data-warn-before="300"' in html
    assert "Your session ends in 5 minutes because of inactivity." in html


def test_pages_outside_the_admin_have_no_warning(client):
    sign_in(client, UserFactory())

    html = client.get(reverse("accounts:account")).content.decode()

    assert "session-warning" not in html


def test_staying_signed_in_does_not_stretch_the_absolute_lifetime(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, StaffFactory())
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.post(reverse(STAY)).status_code == 200

    with time_machine.travel(start + timedelta(hours=12), tick=False):
        assert client.post(reverse(STAY)).status_code == 403
