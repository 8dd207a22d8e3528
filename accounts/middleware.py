"""Session lifetimes and the second-factor gate, for every request."""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .permissions import has_confirmed_second_factor, requires_second_factor

SIGNED_IN_AT = "accounts.signed_in_at"
LAST_SEEN_AT = "accounts.last_seen_at"
SECOND_FACTOR_AT = "accounts.second_factor_at"
PENDING_SIGN_IN = "accounts.pending_sign_in"

# Writing the session on every request would cost a query each time; a
# minute's precision is plenty for an idle limit counted in minutes.
LAST_SEEN_PRECISION = 60


def start_session(request) -> None:
    """Call right after django.contrib.auth.login(), which has already rotated the session key."""
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def mark_second_factor_passed(request) -> None:
    request.session[SECOND_FACTOR_AT] = timezone.now().timestamp()


def idle_limit(user) -> timedelta:
    minutes = (
        settings.SESSION_IDLE_MINUTES_STAFF
        if user.is_staff or user.is_superuser
        else settings.SESSION_IDLE_MINUTES_APPLICANT
    )
    return timedelta(minutes=minutes)


class SessionLifetimeMiddleware:
    """Ends a session after its idle time or its absolute lifetime, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            signed_in_at = request.session.get(SIGNED_IN_AT)
            last_seen_at = request.session.get(LAST_SEEN_AT, signed_in_at)
            absolute = settings.SESSION_ABSOLUTE_MINUTES * 60
            if (
                signed_in_at is None
                or now - signed_in_at >= absolute
                or now - last_seen_at >= idle_limit(user).total_seconds()
            ):
                logout(request)
                messages.info(
                    request, _("You were signed out for your security. Please sign in again.")
                )
            else:
                if now - last_seen_at >= LAST_SEEN_PRECISION:
                    request.session[LAST_SEEN_AT] = now
                    last_seen_at = now
                # For the page's warning before the idle limit (templates/admin/base_site.html).
                limit = idle_limit(user).total_seconds()
                request.session_idle_limit = round(limit)
                request.session_idle_left = max(0, math.floor(limit - (now - last_seen_at)))
                request.session_idle_warning = session_warning_seconds()
                request.session_idle_warning_minutes = math.ceil(session_warning_seconds() / 60)
        return self.get_response(request)


def session_warning_seconds() -> int:
    """How long before the idle limit a page warns that the session is about to end."""
    return getattr(settings, "SESSION_IDLE_WARNING_SECONDS", 120)


def refresh_last_seen(request) -> None:
    """The person is here: the idle time counts from now (the absolute lifetime stays)."""
    request.session[LAST_SEEN_AT] = timezone.now().timestamp()


# Pages a signed-in person can open before passing the second factor.
SECOND_FACTOR_EXEMPT = {
    # Signing in (again, or as someone else) must stay possible, and a link
    # must never be redirected with its token in a query string.
    "accounts:sign_in",
    "accounts:sign_in_sent",
    "accounts:link",
    "accounts:second_factor_setup",
    "accounts:second_factor_verify",
    "accounts:sign_out",
    "set_language",
}


class SecondFactorMiddleware:
    """No page opens for staff and delegates (or anyone who turned it on) before the second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.session.get(SECOND_FACTOR_AT):
            return None
        if request.resolver_match.view_name in SECOND_FACTOR_EXEMPT:
            return None
        if not requires_second_factor(user):
            return None
        step = (
            "accounts:second_factor_verify"
            if has_confirmed_second_factor(user)
            else "accounts:second_factor_setup"
        )
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    """Django's CSRF protection, for pages sent with ``Referrer-Policy: no-referrer``.

    The sign-in pages must not leak their address, so they forbid the Referer
    header; browsers then also send ``Origin: null`` on their form posts
    (Fetch standard, “serializing a request origin”). Such a post is accepted
    on the strength of the CSRF token alone, which is still required; any
    other origin is checked as Django checks it.
    """

    def _origin_verified(self, request):
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)


class PrivatePagesMiddleware:
    """What a signed-in person is sent is theirs: no cache, shared or in the browser, keeps it.

    ``Cache-Control: private, no-store`` on every response to a signed-in request (or one
    that signs in or out), merged with what the view set: a stricter header it gave (the
    admin's ``no-cache, must-revalidate, max-age=0``) stays, ``public`` goes. Static files
    are answered by WhiteNoise before this and keep their long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


# The database cannot store or compare a NUL character (PostgreSQL refuses the query).
FORBIDDEN_CHARACTERS = frozenset("\x00")


def has_forbidden_characters(text: str) -> bool:
    return not FORBIDDEN_CHARACTERS.isdisjoint(text)


class ForbiddenCharactersMiddleware:
    """An address with a NUL character in its path or query string gets a 400 that says so.

    Such a value would otherwise reach a list's filter or search, which PostgreSQL refuses
    with an error. Forms check their own fields (Django's fields refuse NUL characters).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_forbidden_characters(request.path_info) or any(
            has_forbidden_characters(key) or any(has_forbidden_characters(v) for v in values)
            for key, values in request.GET.lists()
        ):
            return render(
                request,
                "400.html",
                {"message": _("The address contains characters that are not allowed.")},
                status=400,
            )
        return self.get_response(request)
