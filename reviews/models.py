"""The lists the PGA office submits to Member States, and what happens to them.

A call has one list at a time that the office works on (a draft). Circulating it freezes its
entries and opens objections until its deadline; a later change makes a new version, copied
from the last one, and two versions can be compared entry by entry. Finalizing a circulated
list accredits the entries nobody objected to.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accreditation.models import Application, Record
from events.models import Call


class MemberStateListQuerySet(models.QuerySet):
    def circulated(self):
        """What delegates see: lists that went to Member States, the finalized ones too."""
        return self.filter(
            status__in=[MemberStateList.Status.CIRCULATED, MemberStateList.Status.FINALIZED]
        )


class MemberStateList(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated to Member States")
        SUPERSEDED = "superseded", _("Replaced by a later version")
        FINALIZED = "finalized", _("Finalized")
        # A draft still open when the list was finalized: never circulated, kept on the record.
        DISCARDED = "discarded", _("Set aside when the list was finalized")

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="member_state_lists", verbose_name=_("call")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    objection_deadline = models.DateTimeField(_("objections until"), null=True, blank=True)
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    circulated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("circulated by"),
    )
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finalized by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MemberStateListQuerySet.as_manager()

    class Meta:
        verbose_name = _("list for Member States")
        verbose_name_plural = _("lists for Member States")
        ordering = ["call", "-version"]
        permissions = [
            ("draw_up_memberstatelist", _("Can draw up, circulate and finalize lists")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["call", "version"], name="reviews_list_one_version"),
            # The office works on one draft of a call's list at a time.
            models.UniqueConstraint(
                fields=["call"], condition=Q(status="draft"), name="reviews_list_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "discarded"])
                | Q(objection_deadline__isnull=False),
                name="reviews_list_circulated_has_deadline",
            ),
        ]

    def __str__(self):
        return _("%(call)s: list for Member States, version %(version)d") % {
            "call": self.call,
            "version": self.version,
        }

    def can_be_finalized(self, now=None) -> bool:
        """Circulated, and its deadline for objections has passed."""
        return (
            self.status == self.Status.CIRCULATED
            and self.objection_deadline is not None
            and (now or timezone.now()) >= self.objection_deadline
        )

    def takes_objections(self, now=None) -> bool:
        return (
            self.status == self.Status.CIRCULATED
            and self.objection_deadline is not None
            and (now or timezone.now()) < self.objection_deadline
        )


class ListEntry(models.Model):
    """An organization on a version of the list, and what of its application is shared."""

    list = models.ForeignKey(
        MemberStateList, on_delete=models.CASCADE, related_name="entries", verbose_name=_("list")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="list_entries",
        verbose_name=_("application"),
    )
    # What Member States read of the organization, as it was when it went on the list: a
    # focal point may change the profile later, the list sent to Member States does not.
    organization_name = models.CharField(_("organization"), max_length=300)
    country = CountryField(_("country"))
    homepage = models.URLField(_("homepage"), blank=True)
    homepage_shared = models.BooleanField(_("homepage shared"), default=False)
    reason_shared = models.BooleanField(_("reason shared"), default=False)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["organization_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["list", "application"], name="reviews_entry_once_per_list"
            ),
        ]

    def __str__(self):
        return self.organization_name

    def save(self, *args, **kwargs):
        # An entry always holds what Member States read: taken from the profile when the
        # organization goes on the list, and kept as it was.
        if not self.organization_name:
            organization = self.application.organization
            self.organization_name = organization.name
            self.country = organization.country
            self.homepage = organization.homepage
        super().save(*args, **kwargs)


class SharedItem(models.TextChoices):
    """What a Member State may ask the office to share of an application."""

    HOMEPAGE = "homepage", _("homepage")
    REASON = "reason", _("reason for participation")


class InformationRequest(models.Model):
    """A delegate asks for an entry's homepage or reason; the office shares it with all."""

    entry = models.ForeignKey(
        ListEntry,
        on_delete=models.CASCADE,
        related_name="information_requests",
        verbose_name=_("entry"),
    )
    item = models.CharField(_("asked for"), max_length=20, choices=SharedItem.choices)
    member_state = CountryField(_("Member State"))
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "item", "member_state"], name="reviews_request_once_per_state"
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.get_item_display()} ({self.member_state.name})"


class ObjectionQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(withdrawn_at=None)


class Objection(models.Model):
    """A Member State's objection to an entry, with an optional reason, until withdrawn."""

    entry = models.ForeignKey(
        ListEntry, on_delete=models.CASCADE, related_name="objections", verbose_name=_("entry")
    )
    member_state = CountryField(_("Member State"))
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), blank=True)
    lodged_at = models.DateTimeField(_("lodged at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["lodged_at", "pk"]
        constraints = [
            # A Member State objects to an entry once; it may withdraw and object again.
            models.UniqueConstraint(
                fields=["entry", "member_state"],
                condition=Q(withdrawn_at=None),
                name="reviews_one_standing_objection_per_state",
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.member_state.name}"


class ListEvent(Record):
    """The list's append-only record: who did what to which version, when, and why."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Added to the list")
        REMOVED = "removed", _("Taken off the list")
        LEFT_OFF = "left_off", _("Left off the list")
        CIRCULATED = "circulated", _("Circulated to Member States")
        NEW_VERSION = "new_version", _("New version started")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        SHARED = "shared", _("Shared with Member States")
        OBJECTED = "objected", _("Objection lodged")
        OBJECTION_WITHDRAWN = "objection_withdrawn", _("Objection withdrawn")
        FINALIZED = "finalized", _("Finalized")

    list = models.ForeignKey(
        MemberStateList, on_delete=models.PROTECT, related_name="events", verbose_name=_("list")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="list_events",
        verbose_name=_("application"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    member_state = CountryField(_("Member State"), blank=True)
    item = models.CharField(_("item"), max_length=20, choices=SharedItem.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(Record.Meta):
        verbose_name = _("list event")
        verbose_name_plural = _("list events")
