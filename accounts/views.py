import math
from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View, i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import UpdateView

from . import selectors, services
from .forms import AccountForm, SecondFactorForm, SignInCodeForm, SignInForm
from .middleware import (
    PENDING_SIGN_IN,
    SECOND_FACTOR_AT,
    SIGNED_IN_AT,
    idle_limit,
    mark_second_factor_passed,
    refresh_last_seen,
    start_session,
)
from .models import SecondFactor
from .permissions import has_confirmed_second_factor

# Permissions: the sign-in pages and links are open to anyone (they reveal
# nothing); the account and second-factor pages need a signed-in person.


def sensitive(view):
    """For pages that carry or lead to a credential: never cached, never sent as a Referer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return never_cache(wrapper)


def safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def home_for(user) -> str:
    return reverse("admin:index") if user.is_staff else reverse(settings.LOGIN_REDIRECT_URL)


def client_ip(request) -> str:
    """The address of the person's machine, for rate limits.

    Behind N trusted proxies, each appends the address it received from to
    X-Forwarded-For; the Nth entry from the right is the one no client can forge.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def wait_message(retry_after) -> str:
    seconds = max(1, math.ceil(retry_after.total_seconds()))
    if seconds <= 60:
        return ngettext(
            "A link was sent to this address a moment ago. You can ask for another in %(count)d second.",
            "A link was sent to this address a moment ago. You can ask for another in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many sign-in links were asked for. Try again in %(count)d minute.",
        "Too many sign-in links were asked for. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def remember_language(response, user):
    """Pages follow the person's preferred language from now on, on this device."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.preferred_language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def complete_sign_in(request, signed_in: services.SignedIn):
    login(request, signed_in.user, backend="django.contrib.auth.backends.ModelBackend")
    start_session(request)
    request.session.pop(PENDING_SIGN_IN, None)
    response = redirect(safe_next(request, signed_in.next_url) or home_for(signed_in.user))
    return remember_language(response, signed_in.user)


@method_decorator(sensitive, name="dispatch")
class SignInView(View):
    template_name = "accounts/sign_in.html"

    def get(self, request):
        pending = request.session.get(PENDING_SIGN_IN) or {}
        form = SignInForm(
            initial={
                "next": safe_next(request, request.GET.get("next", "")),
                "email": pending.get("email", ""),
            }
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = SignInForm(request.POST)
        if form.is_valid():
            try:
                pending = services.request_sign_in_link(
                    email=form.cleaned_data["email"],
                    next_url=safe_next(request, form.cleaned_data["next"]),
                    client_ip=client_ip(request),
                    language=get_language(),
                )
            except services.RateLimited as limited:
                form.add_error("email", wait_message(limited.retry_after))
            else:
                request.session[PENDING_SIGN_IN] = {
                    "email": pending.email,
                    "token_id": pending.token_id,
                    "next_request_at": pending.next_request_at.timestamp(),
                }
                return redirect("accounts:sign_in_sent")
        return render(request, self.template_name, {"form": form})


def _sent_page(request, pending, code_form, status=200):
    wait = max(0, math.ceil(pending["next_request_at"] - timezone.now().timestamp()))
    context = {
        "email": pending["email"],
        "code_form": code_form,
        "minutes": settings.SIGN_IN_LINK_MINUTES,
        "wait_seconds": wait,
        "again_url": reverse("accounts:sign_in"),
    }
    return render(request, "accounts/sign_in_sent.html", context, status=status)


@method_decorator(sensitive, name="dispatch")
class SignInSentView(View):
    """“Check your mailbox”, with the form for the code, in the browser that asked."""

    def get(self, request):
        pending = request.session.get(PENDING_SIGN_IN)
        if not pending:
            return redirect("accounts:sign_in")
        return _sent_page(request, pending, SignInCodeForm())

    def post(self, request):
        pending = request.session.get(PENDING_SIGN_IN)
        if not pending:
            return redirect("accounts:sign_in")
        form = SignInCodeForm(request.POST)
        if form.is_valid():
            try:
                signed_in = services.redeem_code(
                    token_id=pending["token_id"], code=form.cleaned_data["code"]
                )
            except services.WrongCode as wrong:
                form.add_error("code", wrong.message)
                if wrong.tries_left:
                    form.add_error(
                        "code",
                        ngettext("%(count)d try left.", "%(count)d tries left.", wrong.tries_left)
                        % {"count": wrong.tries_left},
                    )
            except services.LinkRefused as refused:
                return _link_problem(request, refused)
            else:
                return complete_sign_in(request, signed_in)
        return _sent_page(request, pending, form)


def _link_problem(request, refused: services.LinkRefused):
    # The address stays off the page: whoever holds a stale link (a forwarded mail, a
    # shared computer's history) learns nothing from it.
    form = SignInForm()
    return render(
        request,
        "accounts/link_problem.html",
        {"reason": refused.reason, "form": form, "minutes": settings.SIGN_IN_LINK_MINUTES},
        status=400,
    )


@method_decorator(sensitive, name="dispatch")
class SignInLinkView(View):
    """The emailed link. Opening it changes nothing (mail scanners open links); the button signs in."""

    def get(self, request, token):
        try:
            sign_in_token = services.check_link(raw_token=token)
        except services.LinkRefused as refused:
            return _link_problem(request, refused)
        return render(request, "accounts/link_confirm.html", {"email": sign_in_token.email})

    def post(self, request, token):
        try:
            signed_in = services.redeem_link(raw_token=token)
        except services.LinkRefused as refused:
            return _link_problem(request, refused)
        return complete_sign_in(request, signed_in)


@require_POST
def sign_out(request):
    if request.user.is_authenticated:
        services.record_sign_out(user=request.user)
    logout(request)
    messages.success(request, _("You are signed out."))
    return redirect("events:call_list")


def admin_login(request):
    """The admin's password form is not offered: staff sign in by link and second factor."""
    target = safe_next(request, request.GET.get("next", "")) or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(target)
        raise PermissionDenied
    return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': target})}")


class AccountView(LoginRequiredMixin, UpdateView):
    form_class = AccountForm
    template_name = "accounts/account.html"
    success_url = reverse_lazy("accounts:account")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            has_second_factor=has_confirmed_second_factor(user),
            recovery_codes_left=selectors.remaining_recovery_codes(user),
            **kwargs,
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        with translation.override(self.object.preferred_language):
            messages.success(self.request, _("Your details are saved."))
        return remember_language(response, self.object)


RECENT_SIGN_IN_SECONDS = 15 * 60


def _signed_in_recently(request) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT) or 0
    return timezone.now().timestamp() - signed_in_at < RECENT_SIGN_IN_SECONDS


def _second_factor_next(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next", "")) or home_for(
        request.user
    )


@method_decorator(sensitive, name="dispatch")
class SecondFactorSetupView(LoginRequiredMixin, View):
    template_name = "accounts/second_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _signed_in_recently(request):
            # Someone at an unattended session must not enrol their own phone.
            logout(request)
            messages.info(
                request, _("For your security, sign in again to set up the second factor.")
            )
            return redirect(
                f"{reverse('accounts:sign_in')}?{urlencode({'next': reverse('accounts:second_factor_setup')})}"
            )
        if request.user.is_authenticated and has_confirmed_second_factor(request.user):
            return redirect(
                f"{reverse('accounts:second_factor_verify')}?{urlencode({'next': _second_factor_next(request)})}"
            )
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request, form):
        factor = services.begin_second_factor_setup(user=request.user)
        uri = services.provisioning_uri(factor)
        key_groups = " ".join(factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4))
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "qr_svg": segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
                "key": key_groups,
                "next": _second_factor_next(request),
            },
        )

    def get(self, request):
        return self._page(request, SecondFactorForm())

    def post(self, request):
        form = SecondFactorForm(request.POST)
        if form.is_valid():
            try:
                codes = services.confirm_second_factor(
                    user=request.user, code=form.cleaned_data["code"]
                )
            except services.WrongCode as wrong:
                form.add_error("code", wrong.message)
            except services.RateLimited as limited:
                form.add_error("code", _throttled_message(limited))
            except SecondFactor.DoesNotExist:
                return redirect(request.get_full_path())
            else:
                mark_second_factor_passed(request)
                return render(
                    request,
                    "accounts/recovery_codes.html",
                    {"codes": codes, "next": _second_factor_next(request)},
                )
        return self._page(request, form)


def _throttled_message(limited: services.RateLimited) -> str:
    minutes = max(1, math.ceil(limited.retry_after.total_seconds() / 60))
    return ngettext(
        "Too many wrong codes. Try again in %(count)d minute.",
        "Too many wrong codes. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


@method_decorator(sensitive, name="dispatch")
class SecondFactorVerifyView(LoginRequiredMixin, View):
    template_name = "accounts/second_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.session.get(SECOND_FACTOR_AT):
            # Already passed in this session (a double submit, a back button).
            return redirect(_second_factor_next(request))
        if request.user.is_authenticated and not has_confirmed_second_factor(request.user):
            return redirect(
                f"{reverse('accounts:second_factor_setup')}?{urlencode({'next': _second_factor_next(request)})}"
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            self.template_name,
            {"form": SecondFactorForm(), "next": _second_factor_next(request)},
        )

    def post(self, request):
        form = SecondFactorForm(request.POST)
        if form.is_valid():
            try:
                services.verify_second_factor(user=request.user, code=form.cleaned_data["code"])
            except services.WrongCode as wrong:
                form.add_error("code", wrong.message)
            except services.RateLimited as limited:
                form.add_error("code", _throttled_message(limited))
            else:
                mark_second_factor_passed(request)
                return redirect(_second_factor_next(request))
        return render(
            request, self.template_name, {"form": form, "next": _second_factor_next(request)}
        )


@require_POST
def set_language(request):
    """Django's language switch; a signed-in person's choice is also kept with their account,
    so that the next sign-in, on any device, and their mail follow it."""
    response = i18n.set_language(request)
    services.set_preferred_language(user=request.user, language=request.POST.get("language", ""))
    return response


def no_passwords(request, *args, **kwargs):
    """The admin's password pages: nobody here has a password, sign-in is by emailed link."""
    raise Http404


def bad_request(request, exception):
    """Django's 400 page, drawn with the request, so that the header knows who is signed in."""
    return render(request, "400.html", status=400)


@require_POST
def stay_signed_in(request):
    """The idle warning's "Stay signed in" button: the idle time counts again from now.

    Only the session's last-seen time changes. A session that has already ended is not
    revived: SessionLifetimeMiddleware signed it out before this view, which then refuses.
    """
    if not request.user.is_authenticated:
        raise PermissionDenied
    refresh_last_seen(request)
    return JsonResponse({"idle_seconds_left": round(idle_limit(request.user).total_seconds())})
