"""Representatives: the people an accredited organization sends to a call's meetings.

A focal point registers them within the call's registration window, up to the call's limit
per organization. An organization in consultative status with ECOSOC first has its status
confirmed by a reviewer for the call. Every registration, replacement, removal and
confirmation is on the record (``RegistrationEvent``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accreditation.models import Gender, Organization, Record
from accreditation.validators import single_line
from events.models import Call, Meeting


def photo_path(representative: "Representative", filename: str) -> str:
    # Random names: a photo's address says nothing of whom it shows.
    return f"photos/{uuid.uuid4().hex}.jpg"


class RepresentativeQuerySet(models.QuerySet):
    def for_user(self, user):
        """The representatives of the organization this person is a focal point of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(organization__memberships__user=user)


class Representative(models.Model):
    """Someone registered to attend a call's meetings for an organization.

    Registered, replaced and removed only through ``registration.services``, which keeps the
    call's window, its limit per organization and the record.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="representatives",
        verbose_name=_("organization"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="representatives", verbose_name=_("call")
    )
    full_name = models.CharField(_("full name"), max_length=200, validators=[single_line])
    function = models.CharField(
        _("function in the organization"), max_length=200, validators=[single_line]
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    nationality = CountryField(_("nationality"))
    email = models.EmailField(_("email address"))
    language = models.CharField(
        _("language of their mail"), max_length=10, choices=settings.LANGUAGES
    )
    meetings = models.ManyToManyField(
        Meeting, related_name="representatives", verbose_name=_("meetings attended")
    )
    # Re-encoded, cropped to a portrait and scaled (registration.photos); private: served
    # only through a view that checks who is asking.
    photo = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(upload_to=photo_path, max_length=200)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "call",
                name="registration_one_registration_per_address_and_call",
                violation_error_message=_(
                    "Someone with this email address is already registered for this call."
                ),
            )
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("registration:call", kwargs={"slug": self.call.slug})

    def photo_url(self) -> str:
        return reverse("registration:photo", kwargs={"public_id": self.public_id})

    def thumbnail_url(self) -> str:
        return reverse("registration:thumbnail", kwargs={"public_id": self.public_id})


class EcosocConfirmation(models.Model):
    """An organization's request that its ECOSOC consultative status be confirmed for a call,
    and a reviewer's answer. Once confirmed it registers representatives as the accredited
    do."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a reviewer")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Not confirmed")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="ecosoc_confirmations",
        verbose_name=_("organization"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="ecosoc_confirmations", verbose_name=_("call")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # To the organization: why its status could not be confirmed.
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("ECOSOC status confirmation")
        verbose_name_plural = _("ECOSOC status confirmations")
        ordering = ["-requested_at", "pk"]
        permissions = [
            (
                "decide_ecosocconfirmation",
                _("Can confirm or refuse an organization's ECOSOC status"),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "call"], name="registration_one_confirmation_per_call"
            )
        ]

    def __str__(self):
        return f"{self.organization} – {self.call}: {self.get_status_display()}"


class RegistrationEvent(Record):
    """Append-only: representatives registered, replaced or removed, ECOSOC status asked for,
    confirmed or refused; by whom, in what role, when."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Representative registered")
        REPLACED = "replaced", _("Representative replaced")
        CORRECTED = "corrected", _("Representative's details corrected")
        REMOVED = "removed", _("Representative removed")
        ECOSOC_REQUESTED = "ecosoc_requested", _("ECOSOC status confirmation asked for")
        ECOSOC_CONFIRMED = "ecosoc_confirmed", _("ECOSOC status confirmed")
        ECOSOC_REFUSED = "ecosoc_refused", _("ECOSOC status not confirmed")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="registration_events",
        verbose_name=_("organization"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="registration_events", verbose_name=_("call")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    # The people concerned by name, as they were: a removed representative's row is gone.
    person = models.CharField(_("representative"), max_length=200, blank=True)
    replaced_person = models.CharField(_("in place of"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta(Record.Meta):
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")

    def __str__(self):
        return f"{self.organization}: {self.get_kind_display()} {self.person}".strip()


class RegistrationAnnouncement(models.Model):
    """That an organization's focal points were told a call's registration is open: once per
    organization and call, whether it could register when the window opened or only later
    (accredited at a list's finalizing, ECOSOC status confirmed)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mailed_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organization"], name="registration_announced_once"
            )
        ]

    def __str__(self):
        return f"{self.call} → {self.organization}: {self.mailed_at:%Y-%m-%d %H:%M}"
