import zoneinfo
from datetime import datetime
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as America/New_York or Europe/Vienna."),
            params={"value": value},
            code="invalid_time_zone",
        )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Venue(models.Model):
    """A place where meetings are held. Its time zone states every deadline of calls held there."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text=_("IANA time zone name, e.g. America/New_York."),
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class CallState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RegistrationState(models.TextChoices):
    NOT_SCHEDULED = "not_scheduled", _("Not scheduled")
    UPCOMING = "upcoming", _("Not open yet")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CallQuerySet(models.QuerySet):
    # These three filters and Call.state_at() are the only definition of a
    # call's state: open from opens_at inclusive until deadline exclusive.

    def published(self):
        return self.filter(is_published=True)

    def upcoming(self, at: datetime | None = None):
        return self.filter(opens_at__gt=at or timezone.now())

    def open(self, at: datetime | None = None):
        moment = at or timezone.now()
        return self.filter(opens_at__lte=moment, deadline__gt=moment)

    def closed(self, at: datetime | None = None):
        return self.filter(deadline__lte=at or timezone.now())

    def registration_open(self, at: datetime | None = None):
        """Calls whose registration of representatives is open: from its opening inclusive
        until its closing exclusive, as ``Call.registration_state_at()``."""
        moment = at or timezone.now()
        return self.filter(registration_opens_at__lte=moment, registration_closes_at__gt=moment)


class Call(models.Model):
    """A call for special accreditation to one or more meetings."""

    class Eligibility(models.TextChoices):
        WITHOUT_ECOSOC_STATUS = (
            "non_ecosoc",
            _("Only organizations not in consultative status with ECOSOC"),
        )
        ALL = "all", _("All organizations, including those in consultative status with ECOSOC")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("address name"), max_length=100, unique=True)
    mandate = models.CharField(
        _("mandate"),
        max_length=200,
        help_text=_("As read by people, e.g. General Assembly resolution 75/283."),
    )
    mandate_symbol = models.CharField(
        _("document symbol"), max_length=50, blank=True, help_text=_("e.g. A/RES/75/283.")
    )
    summary = models.TextField(_("summary"), blank=True)
    contact_email = models.EmailField(
        _("contact address"),
        blank=True,
        help_text=_(
            "Whom applicants write to with questions: shown on the call's page, and the "
            "address their replies to the portal's mail about the call go to."
        ),
    )
    eligibility = models.CharField(
        _("who may apply"),
        max_length=20,
        choices=Eligibility.choices,
        default=Eligibility.WITHOUT_ECOSOC_STATUS,
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("principal venue"),
        help_text=_("Deadlines are stated in this venue's time zone."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(
        _("deadline"), help_text=_("Applications are refused from this instant on.")
    )
    registration_opens_at = models.DateTimeField(
        _("registration of representatives opens at"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(
        _("registration of representatives closes at"), null=True, blank=True
    )
    max_representatives = models.PositiveSmallIntegerField(
        _("representatives per organization"),
        default=2,
        help_text=_(
            "How many individual representatives each accredited organization may register."
        ),
    )
    reason_word_limit = models.PositiveSmallIntegerField(
        _("word limit for the reason for participation"), default=300
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Only published calls are shown to the public.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for accreditation")
        verbose_name_plural = _("calls for accreditation")
        ordering = ["-deadline"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")),
                name="events_call_deadline_after_opening",
                violation_error_message=_("The deadline must come after the opening."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="events_call_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(max_representatives__gte=1),
                name="events_call_max_representatives_positive",
                violation_error_message=_("At least one representative per organization."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:call_detail", kwargs={"slug": self.slug})

    def state_at(self, moment: datetime) -> CallState:
        if moment < self.opens_at:
            return CallState.UPCOMING
        if moment < self.deadline:
            return CallState.OPEN
        return CallState.CLOSED

    @property
    def state(self) -> CallState:
        return self.state_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.state == CallState.OPEN

    def registration_state_at(self, moment: datetime) -> RegistrationState:
        if self.registration_opens_at is None or self.registration_closes_at is None:
            return RegistrationState.NOT_SCHEDULED
        if moment < self.registration_opens_at:
            return RegistrationState.UPCOMING
        if moment < self.registration_closes_at:
            return RegistrationState.OPEN
        return RegistrationState.CLOSED

    @property
    def registration_state(self) -> RegistrationState:
        return self.registration_state_at(timezone.now())

    @property
    def registration_is_open(self) -> bool:
        return self.registration_state == RegistrationState.OPEN

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.venue.tzinfo

    @property
    def is_only_for_organizations_without_ecosoc_status(self) -> bool:
        return self.eligibility == self.Eligibility.WITHOUT_ECOSOC_STATUS

    @cached_property
    def meeting_list(self) -> list["Meeting"]:
        return list(self.meetings.all())


class Meeting(models.Model):
    """One meeting a call covers: a high-level meeting, a thematic session, a hearing."""

    class Kind(models.TextChoices):
        HIGH_LEVEL_MEETING = "high_level_meeting", _("High-level meeting")
        THEMATIC_SESSION = "thematic_session", _("Informal thematic session")
        HEARING = "hearing", _("Multi-stakeholder hearing")
        PREPARATORY_MEETING = "preparatory_meeting", _("Preparatory meeting")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other meeting")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid (in person and online)")
        VIRTUAL = "virtual", _("Online only")
        TO_BE_ANNOUNCED = "tba", _("Format to be announced")

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("call")
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a meeting held online only."),
    )
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, default=Format.TO_BE_ANNOUNCED
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="events_meeting_ends_after_start",
                violation_error_message=_("The last day cannot come before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | Q(format__in=["virtual", "tba"]),
                name="events_meeting_venue_unless_online",
                violation_error_message=_("A meeting held in person or hybrid needs a venue."),
            ),
        ]

    def __str__(self):
        return self.title
