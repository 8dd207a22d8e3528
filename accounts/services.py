"""Sign-in by emailed link, the one-time code, and the second factor.

Views, admin actions and tests call these functions; none of them trusts a
caller to have checked anything first.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from .mail import SIGN_IN_PRIORITY, send_templated_mail
from .models import RecoveryCode, SecondFactor, SecurityEvent, SignInToken, User
from .ratelimit import Limit

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: codes are read off one screen and typed into another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_CODE_FAILURES = 5
TOKEN_BYTES = 20  # 160 bits
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10

LINK_INTERVAL = Limit("sign-in-link-interval", 1, timedelta(minutes=1))
LINKS_PER_ADDRESS = Limit("sign-in-links-per-address", 5, timedelta(minutes=15))
LINKS_PER_CLIENT = Limit("sign-in-links-per-client", 20, timedelta(minutes=15))
MAX_SECOND_FACTOR_FAILURES = 5
SECOND_FACTOR_WINDOW = timedelta(minutes=15)


class RateLimited(Exception):
    def __init__(self, retry_after: timedelta):
        super().__init__(str(retry_after))
        self.retry_after = retry_after


class LinkRefused(Exception):
    class Reason:
        NOT_FOUND = "not_found"
        EXPIRED = "expired"
        USED = "used"
        SUPERSEDED = "superseded"
        ACCOUNT_CHANGED = "account_changed"

    def __init__(self, reason: str, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.email = email


class WrongCode(Exception):
    def __init__(self, message, tries_left: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.tries_left = tries_left


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def clean_token(raw_token: str) -> str:
    """The token as sent, whatever a mail client or a paste added around it."""
    return re.sub(r"[^A-Za-z0-9_-]", "", raw_token)


def normalize_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _code_hash(token_pk: int, code: str) -> str:
    return salted_hmac(
        "accounts.sign-in-code", f"{token_pk}:{code}", algorithm="sha256"
    ).hexdigest()


def _recovery_hash(code: str, secret: str | None = None) -> str:
    return salted_hmac(
        "accounts.recovery-code", code, secret=secret, algorithm="sha256"
    ).hexdigest()


def _recovery_hashes(code: str) -> list[str]:
    # Codes are kept for years: after a key rotation the old key, in
    # SECRET_KEY_FALLBACKS, must still recognise them.
    secrets_in_use = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [_recovery_hash(code, secret) for secret in secrets_in_use]


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_code(code: str) -> str:
    middle = len(code) // 2
    return f"{code[:middle]}-{code[middle:]}"


def supported_language(language: str) -> str:
    """One of the portal's languages: this one if it is offered, else the default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def set_preferred_language(*, user: User, language: str) -> None:
    """Pages and mail follow the language a person chose, on every device."""
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        user.preferred_language = language


def link_lifetime() -> timedelta:
    return timedelta(minutes=settings.SIGN_IN_LINK_MINUTES)


# Requesting a link ----------------------------------------------------------


@dataclass(frozen=True)
class PendingSignIn:
    """What the waiting browser keeps: enough to take the code, nothing that tells whether the address is known."""

    email: str
    token_id: int | None
    next_request_at: datetime


def request_sign_in_link(
    *,
    email: str,
    next_url: str = "",
    client_ip: str = "",
    language: str = "",
    now: datetime | None = None,
) -> PendingSignIn:
    """Send a sign-in link and code to an address, known or not.

    The caller sees the same result for every address: a new address gets a
    link that creates its account, a deactivated account gets a notice.
    """
    now = now or timezone.now()
    email = User.objects.normalize_email(email)
    # Stopping at the first refusal: a client over its limit uses up nothing of
    # the address's allowances, and a request too soon after the last one does
    # not count against the address's five.
    for limit, subject in [
        (LINKS_PER_CLIENT, client_ip),
        (LINK_INTERVAL, email),
        (LINKS_PER_ADDRESS, email),
    ]:
        wait = limit.consume(subject, now=now)
        if wait is not None:
            raise RateLimited(wait)

    user = User.objects.filter(email=email).first()
    language = user.preferred_language if user else supported_language(language)
    raw_token = secrets.token_urlsafe(TOKEN_BYTES)
    code = _random_code(CODE_LENGTH)
    with transaction.atomic():
        SignInToken.objects.filter(
            email=email, purpose=SignInToken.Purpose.SIGN_IN, used_at=None, superseded_at=None
        ).update(superseded_at=now)
        token = SignInToken.objects.create(
            email=email,
            user=user,
            token_hash=hash_token(raw_token),
            code_hash="",
            next_url=next_url[:500],
            language=language,
            created_at=now,
            expires_at=now + link_lifetime(),
        )
        token.code_hash = _code_hash(token.pk, code)
        token.save(update_fields=["code_hash"])
    if user is not None and not user.is_active:
        # A notice instead of the link. The token exists all the same, so that a
        # guessed code is counted and answered exactly as for any address.
        send_templated_mail(
            "accounts/email/account_inactive",
            [email],
            {},
            language=language,
            priority=SIGN_IN_PRIORITY,
        )
        return PendingSignIn(
            email=email, token_id=token.pk, next_request_at=now + LINK_INTERVAL.window
        )
    link = settings.SITE_URL + reverse("accounts:link", kwargs={"token": raw_token})
    send_templated_mail(
        "accounts/email/sign_in",
        [email],
        {"link": link, "code": format_code(code), "minutes": settings.SIGN_IN_LINK_MINUTES},
        language=language,
        # Someone is waiting for it: ahead of any other mail, and not sent once it is useless.
        priority=SIGN_IN_PRIORITY,
        expires_at=token.expires_at,
    )
    logger.info("Sign-in link %s issued", token.pk)
    return PendingSignIn(email=email, token_id=token.pk, next_request_at=now + LINK_INTERVAL.window)


# Using a link or a code -----------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    user: User
    next_url: str


def _check_fresh(token: SignInToken, now: datetime) -> None:
    if token.used_at is not None:
        raise LinkRefused(LinkRefused.Reason.USED, token.email)
    if now >= token.expires_at:
        raise LinkRefused(LinkRefused.Reason.EXPIRED, token.email)
    if token.superseded_at is not None:
        raise LinkRefused(LinkRefused.Reason.SUPERSEDED, token.email)


def _check_usable(token: SignInToken, now: datetime) -> None:
    _check_fresh(token, now)
    if token.user is not None and (not token.user.is_active or token.user.email != token.email):
        raise LinkRefused(LinkRefused.Reason.ACCOUNT_CHANGED)
    if token.user is None and User.objects.filter(email=token.email, is_active=False).exists():
        raise LinkRefused(LinkRefused.Reason.ACCOUNT_CHANGED)


def check_link(*, raw_token: str, now: datetime | None = None) -> SignInToken:
    """The token behind a link, if it can still be used. Changes nothing: mail scanners open links."""
    token = (
        SignInToken.objects.select_related("user")
        .filter(token_hash=hash_token(clean_token(raw_token)))
        .first()
    )
    if token is None:
        raise LinkRefused(LinkRefused.Reason.NOT_FOUND)
    _check_usable(token, now or timezone.now())
    return token


@transaction.atomic
def redeem_link(*, raw_token: str, now: datetime | None = None) -> SignedIn:
    now = now or timezone.now()
    token = (
        SignInToken.objects.select_for_update()
        .filter(token_hash=hash_token(clean_token(raw_token)))
        .first()
    )
    if token is None:
        raise LinkRefused(LinkRefused.Reason.NOT_FOUND)
    return _redeem(token, now)


CODE_DEAD = _(
    "Too many wrong codes: this code no longer works. "
    "Use the link in the message, or ask for a new one."
)
CODE_WRONG = _("That code is not right. Check the message and try again.")


def redeem_code(*, token_id: int | None, code: str, now: datetime | None = None) -> SignedIn:
    now = now or timezone.now()
    with transaction.atomic():
        token = (
            SignInToken.objects.select_for_update().filter(pk=token_id).first()
            if token_id
            else None
        )
        if token is None:
            # An address that got no code (a deactivated account) reads like a wrong code.
            raise WrongCode(CODE_WRONG)
        # The account is checked only after the code (in _redeem), so that a
        # wrong code reads the same for a closed account as for any other.
        _check_fresh(token, now)
        if token.code_failures >= MAX_CODE_FAILURES:
            raise WrongCode(CODE_DEAD, 0)
        if constant_time_compare(token.code_hash, _code_hash(token.pk, normalize_code(code))):
            return _redeem(token, now)
        # Counted outside any rollback: the failure must stick.
        token.code_failures += 1
        token.save(update_fields=["code_failures"])
    tries_left = MAX_CODE_FAILURES - token.code_failures
    raise WrongCode(CODE_WRONG if tries_left else CODE_DEAD, tries_left)


def _redeem(token: SignInToken, now: datetime) -> SignedIn:
    _check_usable(token, now)
    user, created = User.objects.get_or_create(
        email=token.email,
        defaults={"preferred_language": supported_language(token.language)},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.ACCOUNT_CREATED, at=now)
    if not user.is_active:
        raise LinkRefused(LinkRefused.Reason.ACCOUNT_CHANGED)
    token.used_at = now
    token.user = user
    token.save(update_fields=["used_at", "user"])
    # Every other link of this address dies with a successful sign-in.
    SignInToken.objects.filter(email=token.email, used_at=None, superseded_at=None).update(
        superseded_at=now
    )
    SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.SIGNED_IN, at=now)
    return SignedIn(user=user, next_url=token.next_url)


# Second factor ---------------------------------------------------------------


def begin_second_factor_setup(*, user: User) -> SecondFactor:
    """The unconfirmed authenticator for a person, with a fresh secret the first time."""
    factor, _created = SecondFactor.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32(32)}
    )
    if factor.is_confirmed:
        raise ValueError("The second factor is already set up; an administrator must reset it.")
    return factor


def provisioning_uri(factor: SecondFactor) -> str:
    return pyotp.TOTP(factor.secret).provisioning_uri(
        name=factor.user.email, issuer_name=settings.TOTP_ISSUER
    )


def _accept_totp(factor: SecondFactor, code: str, now: datetime) -> bool:
    digits = re.sub(r"[\s-]", "", code)
    if not re.fullmatch(r"\d{6}", digits):
        return False
    totp = pyotp.TOTP(factor.secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if constant_time_compare(totp.generate_otp(step), digits):
            # Compare time steps, not strings: a code is spent once, whatever its notation.
            return bool(
                SecondFactor.objects.filter(pk=factor.pk, last_used_step__lt=step).update(
                    last_used_step=step
                )
            )
    return False


def _check_not_throttled(factor: SecondFactor, now: datetime) -> None:
    """Call with the factor's row locked."""
    if factor.failures_since is None or now - factor.failures_since >= SECOND_FACTOR_WINDOW:
        return
    if factor.failed_attempts >= MAX_SECOND_FACTOR_FAILURES:
        raise RateLimited(factor.failures_since + SECOND_FACTOR_WINDOW - now)


def _record_failure(factor: SecondFactor, now: datetime) -> None:
    if factor.failures_since is None or now - factor.failures_since >= SECOND_FACTOR_WINDOW:
        factor.failures_since = now
        factor.failed_attempts = 0
    factor.failed_attempts += 1
    factor.save(update_fields=["failed_attempts", "failures_since"])


def _clear_failures(factor: SecondFactor) -> None:
    if factor.failed_attempts:
        factor.failed_attempts = 0
        factor.failures_since = None
        factor.save(update_fields=["failed_attempts", "failures_since"])


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_random_code(RECOVERY_CODE_LENGTH) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes
    )
    return [format_code(code) for code in codes]


CODE_NOT_RIGHT_SETUP = _(
    "That code is not right. Check the time on your phone and try the newest code."
)
CODE_NOT_RIGHT = _(
    "That code is not right, or it was used already. Wait for the next code and try again."
)


def confirm_second_factor(*, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the authenticator with its first code; returns the recovery codes, shown once."""
    now = now or timezone.now()
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().get(user=user, confirmed_at=None)
        _check_not_throttled(factor, now)
        if _accept_totp(factor, code, now):
            factor.refresh_from_db(fields=["last_used_step"])
            factor.confirmed_at = now
            factor.failed_attempts = 0
            factor.failures_since = None
            factor.save(update_fields=["confirmed_at", "failed_attempts", "failures_since"])
            SecurityEvent.objects.create(
                user=user, actor=user, kind=SecurityEvent.Kind.SECOND_FACTOR_CONFIRMED, at=now
            )
            return _new_recovery_codes(user)
        # Recorded in this transaction, which commits: the error is raised after it.
        _record_failure(factor, now)
    raise WrongCode(CODE_NOT_RIGHT_SETUP)


def verify_second_factor(*, user: User, code: str, now: datetime | None = None) -> None:
    """Accept a current authenticator code or an unused recovery code, once."""
    now = now or timezone.now()
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().get(user=user, confirmed_at__isnull=False)
        _check_not_throttled(factor, now)
        if _accept_totp(factor, code, now):
            kind = SecurityEvent.Kind.SECOND_FACTOR_PASSED
        elif _use_recovery_code(user, code, now):
            kind = SecurityEvent.Kind.RECOVERY_CODE_USED
        else:
            kind = None
            _record_failure(factor, now)
        if kind is not None:
            _clear_failures(factor)
            SecurityEvent.objects.create(user=user, actor=user, kind=kind, at=now)
            return
    raise WrongCode(CODE_NOT_RIGHT)


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    normalized = normalize_code(code)
    if len(normalized) != RECOVERY_CODE_LENGTH:
        return False
    return bool(
        RecoveryCode.objects.filter(
            user=user, code_hash__in=_recovery_hashes(normalized), used_at=None
        ).update(used_at=now)
    )


@transaction.atomic
def reset_second_factor(*, user: User, by: User, note: str = "") -> None:
    """For a lost device: remove the authenticator and recovery codes, end every session."""
    SecondFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    SecurityEvent.objects.create(
        user=user, actor=by, kind=SecurityEvent.Kind.SECOND_FACTOR_RESET, note=note
    )


def record_sign_out(*, user: User) -> None:
    SecurityEvent.objects.create(user=user, actor=user, kind=SecurityEvent.Kind.SIGNED_OUT)


# Welcome mail for new staff and delegates -------------------------------------


def sign_in_address() -> str:
    return settings.SITE_URL + reverse("accounts:sign_in")


def send_welcome_mail(*, user: User, by: User | None, as_delegate: bool) -> bool:
    """Tell a new staff member or delegate how to sign in; record it.

    In the person's language. ``as_delegate``: the mail also names the Member State they
    represent. The mail is queued (accounts.mail): the queue retries a server that refuses it
    and keeps it for administrators past the last attempt. A mail that cannot even be queued
    is logged and ``False`` returned: the caller says so, and nothing else is undone.
    """
    context = {
        "person": user,
        "sign_in_url": sign_in_address(),
        "minutes": settings.SIGN_IN_LINK_MINUTES,
        "is_delegate": as_delegate,
        "member_state": user.member_state if as_delegate else None,
    }
    try:
        send_templated_mail(
            "accounts/email/welcome",
            [user.email],
            context,
            language=supported_language(user.preferred_language),
        )
    except Exception:
        logger.exception("The welcome mail to user %s could not be sent", user.pk)
        return False
    SecurityEvent.objects.create(
        user=user,
        actor=by,
        kind=SecurityEvent.Kind.WELCOME_SENT,
        note="Delegate" if as_delegate else "Staff",
    )
    return True
