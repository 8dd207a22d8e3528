"""The second factor (TOTP): who must pass it, setting it up, replays, throttling,
recovery codes, the administrator's reset, and the closed admin password form."""

import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import time_machine
from django.contrib import auth
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import RecoveryCode, SecondFactor, SecurityEvent, User
from accounts.roles import MEMBER_STATE_DELEGATES
from tests.accounts.mailbox import last_link_and_code, path_of
from tests.factories import StaffFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

# Halfway through a 30-second TOTP step, so that the steps either side are clear.
FROZEN = datetime(2031, 5, 6, 9, 30, 15, tzinfo=UTC)

GATED_PAGES = [
    reverse("admin:index"),
    reverse("admin:events_call_changelist") + "?q=summit",
    reverse("accounts:account"),
]


def staff_member():
    return UserFactory(is_staff=True)


def delegate():
    person = UserFactory()
    group, _created = Group.objects.get_or_create(name=MEMBER_STATE_DELEGATES)
    person.groups.add(group)
    return person


def set_up_factor(user):
    """A confirmed factor, confirmed with the previous step's code so the current one is unspent."""
    factor = services.begin_second_factor_setup(user=user)
    totp = pyotp.TOTP(factor.secret)
    recovery_codes = services.confirm_second_factor(
        user=user, code=totp.at(timezone.now(), counter_offset=-1)
    )
    return totp, recovery_codes


def wrong_code(totp):
    now = timezone.now()
    valid = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def redirect_target(response):
    """The path and the query parameters of a redirect."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return location.path, parse_qs(location.query)


def code_errors(response):
    return response.context["form"].errors.get("code", [])


def verify(client, code, next_url=""):
    return client.post(reverse("accounts:second_factor_verify"), {"code": code, "next": next_url})


# 1. No staff or delegate page before the second factor -----------------------


@pytest.mark.parametrize("make_person", [staff_member, delegate], ids=["staff", "delegate"])
@pytest.mark.parametrize("url", GATED_PAGES)
def test_person_without_a_factor_is_sent_to_set_one_up(client, make_person, url):
    sign_in(client, make_person(), second_factor_passed=False)

    response = client.get(url)

    assert redirect_target(response) == (reverse("accounts:second_factor_setup"), {"next": [url]})


@pytest.mark.parametrize("make_person", [staff_member, delegate], ids=["staff", "delegate"])
@pytest.mark.parametrize("url", GATED_PAGES)
def test_person_with_a_factor_is_sent_to_verify_it(client, make_person, url):
    person = make_person()
    set_up_factor(person)
    sign_in(client, person, second_factor_passed=False)

    response = client.get(url)

    assert redirect_target(response) == (reverse("accounts:second_factor_verify"), {"next": [url]})


def test_staff_member_who_passed_the_second_factor_opens_the_admin(client):
    sign_in(client, StaffFactory(), second_factor_passed=True)

    response = client.get(reverse("admin:events_call_changelist"))

    assert response.status_code == 200


def test_applicant_without_a_factor_is_not_asked_for_one(client):
    sign_in(client, UserFactory(), second_factor_passed=False)

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 200


def test_applicant_who_only_started_the_setup_is_not_asked_for_a_code(client):
    applicant = UserFactory()
    services.begin_second_factor_setup(user=applicant)
    sign_in(client, applicant, second_factor_passed=False)

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 200


# 2. Setting it up -------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_key_in_groups_of_four(client):
    staff = staff_member()
    sign_in(client, staff, second_factor_passed=False)

    response = client.get(reverse("accounts:second_factor_setup"), {"next": "/admin/"})

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<div[^>]*role="img"[^>]*>\s*<svg\b', html)
    key = re.search(r'<code[^>]*id="totp-key"[^>]*>([^<]*)</code>', html).group(1)
    groups = key.split(" ")
    assert all(len(group) == 4 for group in groups)
    assert "".join(groups) == SecondFactor.objects.get(user=staff).secret
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["Referrer-Policy"] == "no-referrer"


def test_setup_page_keeps_the_same_key_when_reloaded(client):
    staff = staff_member()
    sign_in(client, staff, second_factor_passed=False)

    first = client.get(reverse("accounts:second_factor_setup"))
    second = client.get(reverse("accounts:second_factor_setup"))

    assert first.context["key"] == second.context["key"]
    assert SecondFactor.objects.filter(user=staff).count() == 1


def test_wrong_code_at_setup_shows_an_error_at_the_field_and_stays_on_the_page(client):
    staff = staff_member()
    sign_in(client, staff, second_factor_passed=False)
    client.get(reverse("accounts:second_factor_setup"))
    totp = pyotp.TOTP(SecondFactor.objects.get(user=staff).secret)

    response = client.post(
        reverse("accounts:second_factor_setup") + "?next=/admin/",
        {"code": wrong_code(totp), "next": "/admin/"},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/second_factor_setup.html"
    message = "That code is not right. Check the time on your phone and try the newest code."
    assert code_errors(response) == [message]
    html = response.content.decode()
    code_input = re.search(r'<input [^>]*name="code"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in code_input
    assert 'aria-describedby="id_code_error"' in code_input
    field_error = re.search(r'<div id="id_code_error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert message in field_error
    assert SecondFactor.objects.get(user=staff).confirmed_at is None
    assert client.get(reverse("admin:index")).status_code == 302


def test_right_code_at_setup_shows_ten_recovery_codes_and_opens_the_admin(client):
    staff = staff_member()
    sign_in(client, staff, second_factor_passed=False)
    setup_page = client.get(reverse("accounts:second_factor_setup"), {"next": "/admin/"})
    secret = setup_page.context["key"].replace(" ", "")

    response = client.post(
        reverse("accounts:second_factor_setup") + "?next=/admin/",
        {"code": pyotp.TOTP(secret).now(), "next": "/admin/"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    codes = re.findall(r"<li>([^<]+)</li>", html.split('id="recovery-codes"')[1].split("</ul>")[0])
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) for code in codes)
    assert 'href="/admin/"' in html
    assert client.get(reverse("admin:index")).status_code == 200
    assert SecondFactor.objects.get(user=staff).confirmed_at is not None
    event = SecurityEvent.objects.get(user=staff, kind=SecurityEvent.Kind.SECOND_FACTOR_CONFIRMED)
    assert event.actor == staff


def test_setup_page_of_a_confirmed_factor_sends_to_the_verify_page(client):
    staff = staff_member()
    set_up_factor(staff)
    sign_in(client, staff, second_factor_passed=False)

    response = client.get(reverse("accounts:second_factor_setup"), {"next": "/admin/"})

    assert redirect_target(response) == (
        reverse("accounts:second_factor_verify"),
        {"next": ["/admin/"]},
    )


# 3. A code is spent once, whatever its notation --------------------------------


NOTATIONS = ["{0}{1}", "{0} {1}", " {0}{1} ", "{0}-{1}"]


@pytest.mark.parametrize("notation", NOTATIONS)
def test_replayed_code_is_refused_by_the_service(notation):
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        totp, _codes = set_up_factor(staff)
        code = totp.now()
        services.verify_second_factor(user=staff, code=code)

        with pytest.raises(services.WrongCode):
            services.verify_second_factor(user=staff, code=notation.format(code[:3], code[3:]))


@pytest.mark.parametrize("notation", NOTATIONS)
def test_replayed_code_is_refused_at_the_verify_page(notation):
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        totp, _codes = set_up_factor(staff)
        code = totp.now()
        first = sign_in(Client(), staff, second_factor_passed=False)
        assert verify(first, code, "/admin/")["Location"] == "/admin/"
        second = sign_in(Client(), staff, second_factor_passed=False)

        response = verify(second, notation.format(code[:3], code[3:]), "/admin/")

        assert response.status_code == 200
        assert code_errors(response) == [
            "That code is not right, or it was used already. Wait for the next code and try again."
        ]
        assert second.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("notation", NOTATIONS)
def test_code_is_accepted_once_in_whichever_notation_comes_first(notation):
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        totp, _codes = set_up_factor(staff)
        code = totp.now()

        services.verify_second_factor(user=staff, code=notation.format(code[:3], code[3:]))

        with pytest.raises(services.WrongCode):
            services.verify_second_factor(user=staff, code=code)


def test_code_used_to_confirm_the_setup_cannot_be_used_again_to_verify():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        factor = services.begin_second_factor_setup(user=staff)
        code = pyotp.TOTP(factor.secret).now()
        services.confirm_second_factor(user=staff, code=code)

        with pytest.raises(services.WrongCode):
            services.verify_second_factor(user=staff, code=code)


def test_next_steps_code_is_accepted_after_a_code_was_used():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False) as traveller:
        totp, _codes = set_up_factor(staff)
        services.verify_second_factor(user=staff, code=totp.now())
        traveller.shift(timedelta(seconds=30))

        services.verify_second_factor(user=staff, code=totp.now())

        assert SecondFactor.objects.get(user=staff).last_used_step == totp.timecode(timezone.now())


def test_earlier_steps_code_is_refused_once_a_later_one_was_accepted():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        totp, _codes = set_up_factor(staff)
        now = timezone.now()
        services.verify_second_factor(user=staff, code=totp.at(now, counter_offset=1))

        with pytest.raises(services.WrongCode):
            services.verify_second_factor(user=staff, code=totp.now())


def test_code_two_steps_away_is_refused():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False):
        totp, _codes = set_up_factor(staff)
        now = timezone.now()

        for offset in (-2, 2):
            with pytest.raises(services.WrongCode):
                services.verify_second_factor(user=staff, code=totp.at(now, counter_offset=offset))


def test_verify_page_does_not_send_to_another_site():
    staff = staff_member()
    totp, _codes = set_up_factor(staff)
    client = sign_in(Client(), staff, second_factor_passed=False)

    response = verify(client, totp.now(), "https://elsewhere.example/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# 4. Throttling ---------------------------------------------------------------------


def test_right_code_is_refused_after_five_wrong_ones_until_the_window_ends():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False) as traveller:
        totp, _codes = set_up_factor(staff)
        client = sign_in(Client(), staff, second_factor_passed=False)
        for _attempt in range(5):
            assert verify(client, wrong_code(totp)).status_code == 200

        refused = verify(client, totp.now(), "/admin/")

        assert refused.status_code == 200
        assert code_errors(refused) == ["Too many wrong codes. Try again in 15 minutes."]
        assert client.get(reverse("admin:index")).status_code == 302

        traveller.shift(timedelta(minutes=15))
        accepted = verify(client, totp.now(), "/admin/")

        assert accepted.status_code == 302
        assert accepted["Location"] == "/admin/"
        assert client.get(reverse("admin:index")).status_code == 200


def test_setup_is_throttled_too():
    staff = staff_member()
    with time_machine.travel(FROZEN, tick=False) as traveller:
        totp = pyotp.TOTP(services.begin_second_factor_setup(user=staff).secret)
        for _attempt in range(5):
            with pytest.raises(services.WrongCode):
                services.confirm_second_factor(user=staff, code=wrong_code(totp))

        with pytest.raises(services.RateLimited) as limited:
            services.confirm_second_factor(user=staff, code=totp.now())

        assert limited.value.retry_after == timedelta(minutes=15)
        traveller.shift(timedelta(minutes=15))
        assert len(services.confirm_second_factor(user=staff, code=totp.now())) == 10


# 5. Recovery codes ------------------------------------------------------------------


def test_recovery_codes_are_stored_only_as_hashes():
    staff = staff_member()

    _totp, codes = set_up_factor(staff)

    stored = list(RecoveryCode.objects.filter(user=staff).values_list("code_hash", flat=True))
    assert len(stored) == 10
    for code in codes:
        for form in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()):
            assert not any(form in code_hash for code_hash in stored)


def test_each_recovery_code_works_once_at_the_verify_page():
    staff = staff_member()
    _totp, codes = set_up_factor(staff)
    first = sign_in(Client(), staff, second_factor_passed=False)

    response = verify(first, codes[0], "/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert first.get(reverse("admin:index")).status_code == 200
    assert (
        SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.RECOVERY_CODE_USED).count()
        == 1
    )
    second = sign_in(Client(), staff, second_factor_passed=False)
    replayed = verify(second, codes[0], "/admin/")
    assert replayed.status_code == 200
    assert code_errors(replayed) == [
        "That code is not right, or it was used already. Wait for the next code and try again."
    ]
    assert second.get(reverse("admin:index")).status_code == 302


def test_recovery_code_is_accepted_without_its_dash_and_in_lower_case():
    staff = staff_member()
    _totp, codes = set_up_factor(staff)
    client = sign_in(Client(), staff, second_factor_passed=False)

    response = verify(client, codes[3].replace("-", "").lower(), "/admin/")

    assert response.status_code == 302


def test_account_page_counts_the_recovery_codes_left():
    staff = staff_member()
    _totp, codes = set_up_factor(staff)
    client = sign_in(Client(), staff, second_factor_passed=False)
    verify(client, codes[0])

    first = client.get(reverse("accounts:account"))
    later_session = sign_in(Client(), staff, second_factor_passed=False)
    verify(later_session, codes[1])
    second = later_session.get(reverse("accounts:account"))

    assert "You have 9 unused recovery codes." in first.content.decode()
    assert "You have 8 unused recovery codes." in second.content.decode()


# 6. The administrator's reset for a lost device ------------------------------------------


def test_admin_resets_a_lost_second_factor_and_ends_the_persons_sessions(staff_client):
    admin_user = auth.get_user(staff_client)
    person = staff_member()
    set_up_factor(person)
    persons_client = sign_in(Client(), person)
    assert persons_client.get(reverse("admin:index")).status_code == 200

    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [str(person.pk)]},
    )

    assert response.status_code == 302
    assert not SecondFactor.objects.filter(user=person).exists()
    assert not RecoveryCode.objects.filter(user=person).exists()
    event = SecurityEvent.objects.get(user=person, kind=SecurityEvent.Kind.SECOND_FACTOR_RESET)
    assert event.actor == admin_user
    assert LogEntry.objects.filter(
        user=admin_user, object_id=str(person.pk), action_flag=CHANGE
    ).exists()
    after = persons_client.get(reverse("accounts:account"))
    assert redirect_target(after) == (reverse("accounts:sign_in"), {"next": ["/account/"]})
    assert "_auth_user_id" not in persons_client.session
    # The admin's own session goes on.
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_person_whose_factor_was_reset_sets_it_up_again(staff_client):
    person = staff_member()
    set_up_factor(person)
    staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [str(person.pk)]},
    )
    client = sign_in(Client(), User.objects.get(pk=person.pk), second_factor_passed=False)

    response = client.get(reverse("admin:index"))

    assert redirect_target(response) == (
        reverse("accounts:second_factor_setup"),
        {"next": ["/admin/"]},
    )


def test_security_events_cannot_be_added_changed_or_deleted_even_by_a_superuser(staff_client):
    person = staff_member()
    set_up_factor(person)
    event = SecurityEvent.objects.get(user=person, kind=SecurityEvent.Kind.SECOND_FACTOR_CONFIRMED)
    change_url = reverse("admin:accounts_securityevent_change", args=[event.pk])

    changelist = staff_client.get(reverse("admin:accounts_securityevent_changelist"))
    change_page = staff_client.get(change_url)
    change_post = staff_client.post(change_url, {"kind": SecurityEvent.Kind.SIGNED_IN, "note": "x"})
    add_page = staff_client.get(reverse("admin:accounts_securityevent_add"))
    delete_page = staff_client.get(reverse("admin:accounts_securityevent_delete", args=[event.pk]))
    delete_post = staff_client.post(
        reverse("admin:accounts_securityevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert changelist.status_code == 200
    assert reverse("admin:accounts_securityevent_add") not in changelist.content.decode()
    assert "delete_selected" not in changelist.content.decode()
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert change_post.status_code == 403
    assert add_page.status_code == 403
    assert delete_page.status_code == 403
    assert delete_post.status_code == 403
    event.refresh_from_db()
    assert event.kind == SecurityEvent.Kind.SECOND_FACTOR_CONFIRMED


# 7. The admin's own password form is closed -------------------------------------------------


def test_admin_login_page_sends_to_the_sign_in_page(client):
    response = client.get("/admin/login/", {"next": "/admin/"})

    assert redirect_target(response) == (reverse("accounts:sign_in"), {"next": ["/admin/"]})


def test_admin_sends_anonymous_visitors_on_to_the_sign_in_page(client):
    response = client.get(reverse("admin:events_call_changelist"), follow=True)

    final = urlsplit(response.redirect_chain[-1][0])
    assert final.path == reverse("accounts:sign_in")
    assert parse_qs(final.query) == {"next": [reverse("admin:events_call_changelist")]}


def test_password_posted_to_the_admin_login_signs_nobody_in(client):
    superuser = User.objects.create_superuser("root@un.example.org", "correct horse battery")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root@un.example.org", "password": "correct horse battery", "next": "/admin/"},
    )

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("accounts:sign_in")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    superuser.refresh_from_db()
    assert superuser.last_login is None


# 8. An applicant turns it on ------------------------------------------------------------------


def test_applicant_turns_the_second_factor_on_and_is_asked_for_it_next_time():
    applicant = UserFactory()
    client = sign_in(Client(), applicant, second_factor_passed=False)
    account_page = client.get(reverse("accounts:account"))
    setup_url = reverse("accounts:second_factor_setup")
    assert f'href="{setup_url}"' in account_page.content.decode()
    setup_page = client.get(setup_url)
    totp = pyotp.TOTP(setup_page.context["key"].replace(" ", ""))

    confirmed = client.post(
        setup_url, {"code": totp.at(timezone.now(), counter_offset=-1), "next": ""}
    )

    assert len(confirmed.context["codes"]) == 10
    assert f'href="{reverse("accounts:account")}"' in confirmed.content.decode()
    assert (
        "You have 10 unused recovery codes."
        in client.get(reverse("accounts:account")).content.decode()
    )
    later = sign_in(Client(), applicant, second_factor_passed=False)
    stopped = later.get(reverse("accounts:account"))
    assert redirect_target(stopped) == (
        reverse("accounts:second_factor_verify"),
        {"next": [reverse("accounts:account")]},
    )
    passed = verify(later, totp.now(), reverse("accounts:account"))
    assert passed["Location"] == reverse("accounts:account")
    assert later.get(reverse("accounts:account")).status_code == 200


# Found in review ------------------------------------------------------------------------


def test_a_person_stopped_at_the_second_factor_can_still_open_sign_in_pages_and_links(client):
    staff = staff_member()
    set_up_factor(staff)
    sign_in(client, staff, second_factor_passed=False)
    client.post(reverse("accounts:sign_in"), {"email": "someone@example.org"})
    link, _ = last_link_and_code("someone@example.org")

    form = client.get(reverse("accounts:sign_in"))
    link_page = client.get(path_of(link))

    assert form.status_code == 200
    assert link_page.status_code == 200
    assert "Sign in as someone@example.org" in link_page.content.decode()


def test_encoded_sign_in_paths_are_redacted_from_logs(caplog):
    caplog.set_level(logging.INFO)

    logging.getLogger("django.server").info(
        '"GET %s HTTP/1.1" 302 0', "/account/two-factor/setup/?next=%2Fs%2FAbC_dEf-123"
    )

    assert "AbC_dEf-123" not in caplog.text
    assert "[redacted]" in caplog.text


def test_recovery_codes_survive_a_secret_key_rotation(settings):
    staff = staff_member()
    _totp, codes = set_up_factor(staff)
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY = "a-brand-new-secret-key-" + "z" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    services.verify_second_factor(user=staff, code=codes[0])

    assert selectors.remaining_recovery_codes(staff) == 9


def test_submitting_the_verify_form_twice_goes_on_instead_of_failing():
    staff = staff_member()
    totp, _codes = set_up_factor(staff)
    client = sign_in(Client(), staff, second_factor_passed=False)

    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        code = totp.now()
        first = client.post(
            reverse("accounts:second_factor_verify"), {"code": code, "next": "/admin/"}
        )
        second = client.post(
            reverse("accounts:second_factor_verify"), {"code": code, "next": "/admin/"}
        )

    assert first["Location"] == "/admin/"
    assert second["Location"] == "/admin/"


def test_signed_in_staff_opening_the_admin_login_address_go_to_the_admin(staff_client):
    response = staff_client.get("/admin/login/?next=/admin/events/call/")

    assert response["Location"] == "/admin/events/call/"


def test_setting_up_the_factor_needs_a_recent_sign_in(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, UserFactory())
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.get(reverse("accounts:second_factor_setup"))

    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert "_auth_user_id" not in client.session
