import base64
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import SecurityEvent, SignInToken, User
from tests.accounts.mailbox import last_link_and_code, path_of
from tests.factories import UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

EMAIL = "focal.point@example.org"


def ask_for_link(client, email=EMAIL, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, **extra})


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_asking_for_a_link_sends_both_parts_from_the_site_address(client, settings):
    settings.SITE_URL = "https://accreditation.un.example.org"
    settings.DEFAULT_FROM_EMAIL = "Accreditation <no-reply@un.example.org>"

    response = ask_for_link(client, HTTP_HOST="testserver")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in_sent")
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    assert message.from_email == "Accreditation <no-reply@un.example.org>"
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    link, code = last_link_and_code(EMAIL)
    assert link.startswith("https://accreditation.un.example.org/s/")
    assert len(link) < 80
    assert f'href="{link}"' in html
    assert code in html
    assert "valid for 20 minutes" in message.body
    assert "copy it and paste it into the address bar" in message.body


def test_link_carries_at_least_128_random_bits_and_only_its_hash_is_stored(client):
    ask_for_link(client)
    link, code = last_link_and_code(EMAIL)
    raw = link.rsplit("/", 1)[1]

    token = SignInToken.objects.get()
    stored = " ".join(str(value) for value in token.__dict__.values())
    assert len(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))) * 8 >= 128
    assert raw not in stored
    assert code.replace("-", "") not in stored
    assert token.token_hash == services.hash_token(raw)


def test_code_is_eight_characters_from_an_unambiguous_alphabet(client):
    ask_for_link(client)
    _, code = last_link_and_code(EMAIL)

    letters = code.replace("-", "")
    assert len(letters) == 8
    assert set(letters) <= set(services.CODE_ALPHABET)
    assert not set(letters) & set("01OIL")


def test_mail_is_in_the_person_s_language(client):
    UserFactory(email=EMAIL, preferred_language="fr")

    ask_for_link(client)

    assert mail.outbox[0].subject == "Votre lien de connexion au portail d’accréditation"


def test_opening_the_link_asks_to_confirm_and_changes_nothing(client):
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    first = client.get(path_of(link))
    second = client.get(path_of(link))

    assert first.status_code == second.status_code == 200
    assert f"Sign in as {EMAIL}" in second.content.decode()
    assert not is_signed_in(client)
    assert SignInToken.objects.get().used_at is None
    assert not User.objects.filter(email=EMAIL).exists()


def test_pressing_the_button_signs_in_and_creates_the_account(client):
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)
    client.get(path_of(link))

    response = client.post(path_of(link))

    user = User.objects.get(email=EMAIL)
    assert response.status_code == 302
    assert response["Location"] == reverse("accreditation:dashboard")
    assert is_signed_in(client)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert list(user.security_events.values_list("kind", flat=True)) == [
        SecurityEvent.Kind.SIGNED_IN,
        SecurityEvent.Kind.ACCOUNT_CREATED,
    ]


def test_sign_in_lands_where_the_person_was_going_without_the_token(client):
    ask_for_link(client, next="/calls/some-call/")
    link, _ = last_link_and_code(EMAIL)

    response = client.post(path_of(link))

    assert response["Location"] == "/calls/some-call/"
    assert "/s/" not in response["Location"]


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_next_pointing_off_site_falls_back_to_the_dashboard(client, next_url):
    ask_for_link(client, next=next_url)
    link, _ = last_link_and_code(EMAIL)

    response = client.post(path_of(link))

    assert response["Location"] == reverse("accreditation:dashboard")


@pytest.mark.parametrize(("elapsed", "works"), [(timedelta(minutes=19, seconds=59), True), (timedelta(minutes=20), False), (timedelta(hours=3), False)])  # fmt: skip
def test_link_works_for_exactly_twenty_minutes(client, elapsed, works):
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    with time_machine.travel(issued + elapsed, tick=False):
        response = client.post(path_of(link))

    assert is_signed_in(client) == works
    if not works:
        assert response.status_code == 400
        assert "The link has expired" in response.content.decode()
        # Whoever holds a stale link learns nothing from it, not even the address.
        assert EMAIL not in response.content.decode()


def test_lifetime_is_one_setting(client, settings):
    settings.SIGN_IN_LINK_MINUTES = 5
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    with time_machine.travel(issued + timedelta(minutes=5), tick=False):
        client.post(path_of(link))

    assert not is_signed_in(client)


def test_a_used_link_is_refused(client):
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)
    client.post(path_of(link))
    client.logout()

    response = client.post(path_of(link))

    assert response.status_code == 400
    assert "The link has already been used" in response.content.decode()
    assert not is_signed_in(client)


def test_a_newer_link_makes_the_older_one_invalid(client):
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        ask_for_link(client)
    older, _ = last_link_and_code(EMAIL)
    with time_machine.travel(issued + timedelta(minutes=2), tick=False):
        ask_for_link(client)
        newer, _ = last_link_and_code(EMAIL)

        refused = client.post(path_of(older))
        assert "A newer link was sent" in refused.content.decode()
        assert not is_signed_in(client)
        client.post(path_of(newer))

    assert is_signed_in(client)


def test_signing_in_with_the_code_makes_the_emailed_link_invalid(client):
    ask_for_link(client)
    link, code = last_link_and_code(EMAIL)
    client.post(reverse("accounts:sign_in_sent"), {"code": code})
    client.logout()

    response = client.post(path_of(link))

    assert response.status_code == 400
    assert not is_signed_in(client)


def test_signing_in_makes_links_sent_to_the_address_invalid(client):
    """A link sent by another route (another browser asked too) dies with the sign-in."""
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)
    token = SignInToken.objects.get()
    older = SignInToken.objects.create(
        email=EMAIL,
        token_hash=services.hash_token("another-link-of-this-address"),
        code_hash="",
        created_at=token.created_at,
        expires_at=token.expires_at,
    )

    client.post(path_of(link))

    older.refresh_from_db()
    assert older.superseded_at is not None


@pytest.mark.parametrize(
    "mangle",
    [lambda link: link[:-3], lambda link: link + "XYZ", lambda link: link.replace("/s/", "/s/A")],
)
def test_a_mangled_link_says_so(client, mangle):
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    response = client.get(path_of(mangle(link)))

    assert response.status_code == 400
    assert "The link is incomplete or was changed on the way" in response.content.decode()


@pytest.mark.parametrize("suffix", [" ", "%20", "%0A", "/", ".", "%3E"])
def test_a_link_pasted_with_a_trailing_character_still_works(client, suffix):
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    client.post(path_of(link) + suffix)

    assert is_signed_in(client)


def test_the_code_signs_in_the_waiting_browser(client):
    ask_for_link(client, next="/calls/x/")
    _, code = last_link_and_code(EMAIL)

    response = client.post(
        reverse("accounts:sign_in_sent"), {"code": code.lower().replace("-", " ")}
    )

    assert response["Location"] == "/calls/x/"
    assert is_signed_in(client)


def test_the_code_dies_after_five_wrong_tries(client):
    ask_for_link(client)
    _, code = last_link_and_code(EMAIL)
    sent = reverse("accounts:sign_in_sent")

    answers = [client.post(sent, {"code": "AAAA-AAAA"}).content.decode() for _ in range(5)]
    last = client.post(sent, {"code": code})

    assert "4 tries left." in answers[0]
    assert "1 try left." in answers[3]
    assert "Too many wrong codes" in answers[4]
    assert "Too many wrong codes" in last.content.decode()
    assert not is_signed_in(client)


def test_the_sent_page_without_a_pending_sign_in_goes_back_to_the_form(client):
    response = client.get(reverse("accounts:sign_in_sent"))

    assert response["Location"] == reverse("accounts:sign_in")


def test_changing_the_address_invalidates_links_and_ends_sessions(client, django_user_model):
    user = UserFactory(email=EMAIL)
    other_browser = sign_in(client.__class__(), user, second_factor_passed=True)
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    user.email = "new.address@example.org"
    user.save()

    assert client.post(path_of(link)).status_code == 400
    assert not is_signed_in(client)
    response = other_browser.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_deactivating_the_account_invalidates_links_and_ends_sessions(client):
    user = UserFactory(email=EMAIL)
    other_browser = sign_in(client.__class__(), user)
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    user.is_active = False
    user.save()

    assert client.post(path_of(link)).status_code == 400
    assert not is_signed_in(client)
    assert other_browser.get(reverse("accounts:account")).status_code == 302


def test_after_sign_in_pages_follow_the_person_s_language(client):
    UserFactory(email=EMAIL, preferred_language="fr")
    ask_for_link(client)
    link, _ = last_link_and_code(EMAIL)

    client.post(path_of(link))

    assert '<html lang="fr"' in client.get("/").content.decode()


def test_changing_the_language_on_the_account_page_takes_effect(client):
    sign_in(client, UserFactory(email=EMAIL, preferred_language="en"))

    client.post(
        reverse("accounts:account"),
        {"given_name": "Amina", "family_name": "Diallo", "preferred_language": "fr"},
    )

    assert User.objects.get(email=EMAIL).preferred_language == "fr"
    assert '<html lang="fr"' in client.get(reverse("accounts:account")).content.decode()
