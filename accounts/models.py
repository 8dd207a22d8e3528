from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The one spelling of an address: trimmed and lower-cased whole, so that sign-in
        links, invitations and accounts meet whatever case someone types it in."""
        return super().normalize_email((email or "").strip()).lower()

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        # People sign in by emailed link; a password exists only if someone sets one.
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an applicant's focal point, a staff member or a delegate.

    Keyed on the email address, compared without regard to case.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Pages and messages are shown in this language."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether this person can open the staff pages."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Clear this instead of deleting the account, so that the record stays."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Set by an administrator for a person in the "Member State delegates" group only.
    member_state = CountryField(
        _("Member State"),
        blank=True,
        help_text=_("The Member State this delegate represents; only for Member State delegates."),
    )
    # Raised to end every session of this person at once (second factor reset).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            # Addresses are stored lower-cased; this holds even for rows written around the manager.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def _get_session_auth_hash(self, secret=None):
        # Django ends a session whose stored hash no longer matches. Besides the
        # password, the hash covers the address (a changed address ends every
        # session) and a counter raised to end them all on purpose.
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}|{self.email}|{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self):
        return " ".join(part for part in (self.given_name, self.family_name) if part) or self.email

    def get_short_name(self):
        return self.given_name or self.email


class SignInToken(models.Model):
    """An emailed sign-in link and its one-time code.

    Only hashes are stored. The link is bound to the address it was sent to:
    the account is created from it on first use, and a change of the account's
    address makes it worthless.
    """

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")

    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.SIGN_IN)
    email = models.EmailField(_("sent to"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sign_in_tokens",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64)
    code_failures = models.PositiveSmallIntegerField(default=0)
    next_url = models.CharField(max_length=500, blank=True)
    # The language the link was asked for in: an account made from it speaks it.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["email", "purpose", "used_at", "superseded_at"])]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class SecondFactor(models.Model):
    """A person's authenticator app (TOTP)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The TOTP time step of the last accepted code: a code of this step or an
    # earlier one is refused, so a code cannot be replayed in another notation.
    last_used_step = models.BigIntegerField(default=0)
    # Wrong codes in the current window, counted on this row under its lock so
    # that simultaneous guesses cannot slip past the limit.
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    failures_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self):
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        state = _("used") if self.used_at else _("unused")
        return f"{self.user} ({state})"


class SecurityEvent(models.Model):
    """An append-only record of what happened to an account, and who did it."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_OUT = "signed_out", _("Signed out")
        SECOND_FACTOR_CONFIRMED = "second_factor_confirmed", _("Second factor set up")
        SECOND_FACTOR_PASSED = "second_factor_passed", _("Second factor passed")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset by an administrator")
        ACCOUNT_CREATED = "account_created", _("Account created at first sign-in")
        WELCOME_SENT = "welcome_sent", _("Welcome mail sent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="security_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="security_actions",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user}: {self.get_kind_display()}"


class OutgoingMail(models.Model):
    """A message on its way, sent, or kept after its last failed attempt.

    Rendered in the recipient's language when the step that causes it is taken, and stored
    in that step's transaction (accounts.mail); accounts.tasks.deliver_mail sends it. The
    bodies are blanked once it is sent: the table is a queue, not an archive, and a sign-in
    link is a credential while it is valid. Administrators see who, what subject, when and
    what went wrong, never a body.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent, kept")

    template = models.CharField(_("message"), max_length=200)
    # One address a line.
    recipients = models.TextField(_("to"))
    reply_to = models.TextField(_("reply to"), blank=True)
    subject = models.TextField(_("subject"))
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    language = models.CharField(_("language"), max_length=10)
    priority = models.SmallIntegerField(_("priority"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, default=timezone.now
    )
    # Past this the message is not worth sending (a sign-in link's end); none for most.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_outgoingmail", _("Can send outgoing mail again"))]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipient_list)}"

    @property
    def recipient_list(self) -> list[str]:
        return [address for address in self.recipients.splitlines() if address]

    @property
    def reply_to_list(self) -> list[str]:
        return [address for address in self.reply_to.splitlines() if address]

    def message(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            self.subject,
            self.body_text,
            settings.DEFAULT_FROM_EMAIL,
            self.recipient_list,
            reply_to=self.reply_to_list or None,
        )
        if self.body_html:
            message.attach_alternative(self.body_html, "text/html")
        return message
