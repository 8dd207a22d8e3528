import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from events.models import Call, Meeting

from .names import homepage_domain, normalize_name
from .validators import single_line


class Organization(models.Model):
    """An applicant organization, kept by its focal points and filled in once for every call."""

    class Type(models.TextChoices):
        NGO = "ngo", _("Non-governmental organization")
        CIVIL_SOCIETY = "civil_society", _("Civil-society organization")
        DIASPORA = "diaspora", _("Diaspora organization")
        MIGRANT = "migrant", _("Migrant organization")
        ACADEMIC = "academic", _("Academic institution")
        PRIVATE_SECTOR = "private_sector", _("Private-sector entity")
        OTHER = "other", _("Other")

    # Single-line fields refuse line breaks and other control characters: names go
    # into mail headers, file names and exports.
    name = models.CharField(_("name"), max_length=300, validators=[single_line])
    acronym = models.CharField(_("acronym"), max_length=50, blank=True, validators=[single_line])
    type = models.CharField(_("type of organization"), max_length=20, choices=Type.choices)
    country = CountryField(_("country of headquarters"))
    city = models.CharField(_("city of headquarters"), max_length=100, validators=[single_line])
    year_established = models.PositiveSmallIntegerField(
        _("year established"), validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    homepage = models.URLField(
        _("homepage"),
        max_length=500,
        help_text=_("A website, a social-media page or any other address, e.g. www.example.org."),
    )
    contact_email = models.EmailField(_("contact email"))
    phone = models.CharField(_("phone"), max_length=40, validators=[single_line])
    head_name = models.CharField(
        _("name of the head of the organization"), max_length=200, validators=[single_line]
    )
    head_title = models.CharField(
        _("title of the head of the organization"), max_length=200, validators=[single_line]
    )
    areas_of_work = models.TextField(_("areas of work"))
    # Derived on every save, for finding likely duplicates and matches in the ECOSOC list.
    normalized_name = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    homepage_domain = models.CharField(max_length=253, blank=True, db_index=True, editable=False)
    in_ecosoc_status = models.BooleanField(
        _("in consultative status with ECOSOC"),
        default=False,
        help_text=_(
            "Tick if the organization has consultative status with the Economic and Social Council."
        ),
    )
    focal_points = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="FocalPoint",
        related_name="organizations",
        verbose_name=_("focal points"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        self.homepage_domain = homepage_domain(self.homepage)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "homepage"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "normalized_name", "homepage_domain"}
        super().save(*args, **kwargs)


class FocalPoint(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    # A person speaks for one organization.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_point"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")

    def __str__(self):
        return f"{self.user} → {self.organization}"


class Invitation(models.Model):
    """A focal point's invitation to a colleague to become a second focal point."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True),
                name="accreditation_one_open_invitation_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"


class MembershipEvent(models.Model):
    """Append-only: who became, stopped being or was invited to be a focal point, and by whom."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invited")
        INVITATION_CANCELLED = "invitation_cancelled", _("Invitation cancelled")
        INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
        JOINED = "joined", _("Became a focal point")
        LEFT = "left", _("Left the organization")
        REMOVED = "removed", _("Removed by a colleague")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="membership_events",
        verbose_name=_("organization"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    # The person concerned, by address: they may have no account yet, or no longer one.
    email = models.EmailField(_("person"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("focal point event")
        verbose_name_plural = _("focal point events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.organization}: {self.email} {self.get_kind_display()}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFORMATION_REQUESTED = "information_requested", _("More information requested")
    UNDER_REVIEW = "under_review", _("Under review")
    RECOMMENDED = "recommended", _("Recommended")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    ACCREDITED = "accredited", _("Accredited")
    NOT_ACCREDITED = "not_accredited", _("Not accredited")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Applications of the organization this person is a focal point of; none for anyone else."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(organization__memberships__user=user)

    def submitted(self):
        """What staff may see: a draft is the organization's own until it is submitted."""
        return self.exclude(status=Status.DRAFT)


class Application(models.Model):
    """An organization's application for special accreditation under one call.

    Do not set ``status`` directly: call the functions of
    ``accreditation.services``, which check the step and record it.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organization"),
    )
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call")
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    reference = models.CharField(
        _("reference"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    reason = models.TextField(_("reason for participation"), blank=True)
    # While the applicant answers a request for information: their answer to the reviewers,
    # kept with the resubmission (StatusChange.message) and emptied then.
    answer = models.TextField(_("answer to the reviewers"), blank=True)
    meetings = models.ManyToManyField(
        Meeting, blank=True, related_name="applications", verbose_name=_("meetings of interest")
    )
    acknowledged_at = models.DateTimeField(
        _("acknowledgement given at"), null=True, blank=True, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [
            ("review_application", _("Can screen applications and move them through review"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "call"], name="accreditation_one_application_per_call"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(reference__isnull=False, submitted_at__isnull=False),
                name="accreditation_submitted_has_reference",
            ),
        ]

    def __str__(self):
        return self.reference or f"{self.organization} – {self.call} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("accreditation:application", kwargs={"pk": self.pk})


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    ANOTHER = "another", _("Another gender")
    NOT_SAID = "not_said", _("Prefers not to say")


class ProposedParticipant(models.Model):
    """Someone the organization proposes to send, named in the application.

    Gender parity is weighed when the PGA office draws up the list. The people stay with the
    application when representatives are registered later.
    """

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="proposed_participants",
        verbose_name=_("application"),
    )
    full_name = models.CharField(_("full name"), max_length=200, validators=[single_line])
    function = models.CharField(
        _("function in the organization"), max_length=200, validators=[single_line]
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("proposed participant")
        verbose_name_plural = _("proposed participants")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.full_name


def document_path(document: "Document", filename: str) -> str:
    # Stored names are random: the original name is only ever displayed.
    return f"documents/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def thumbnail_path(document: "Document", filename: str) -> str:
    return f"thumbnails/{uuid.uuid4().hex}.png"


class DocumentQuerySet(models.QuerySet):
    def current(self):
        """The documents an application holds now: not replaced, not removed."""
        return self.filter(replaced_at=None)

    def seen_by_staff(self):
        """What staff may see: documents of submitted applications that are current or were
        part of a submission. What the applicant replaced or removed before it was ever
        submitted stays the organization's own."""
        return self.filter(application__in=Application.objects.submitted()).filter(
            Q(replaced_at=None) | Q(submitted_at__isnull=False)
        )


class Document(models.Model):
    class Kind(models.TextChoices):
        LEGAL_STATUS = "legal_status", _("Proof of legal status")
        HEAD_LETTER = "head_letter", _("Letter from the head of the organization")
        OTHER = "other", _("Further document")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # A replaced document that was part of a submission stays, as an earlier version staff
    # can see; one replaced before it was ever submitted is deleted (services).
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    # When the document was first part of a submission; empty while it is the applicant's
    # working copy.
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    # Images get a small preview, drawn once when they are stored.
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=200, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "-uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self):
        return reverse("accreditation:document", kwargs={"public_id": self.public_id})

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None


class Record(models.Model):
    """An entry of an application's record: append-only, with when it happened and the role
    its author acted in (kept as the group's name at the time)."""

    role = models.CharField(_("role"), max_length=40, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class StatusChange(Record):
    """The append-only history of an application: who moved it, from what, to what, why, when."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="history", verbose_name=_("application")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(_("from"), max_length=30, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=30, choices=Status.choices)
    # Internal: seen by staff only.
    note = models.TextField(_("internal note"), blank=True)
    # Between staff and the applicant: a request for information or a decision's message to
    # the applicant; on a resubmission, the applicant's answer to the reviewers.
    message = models.TextField(
        _("message"),
        blank=True,
        help_text=_("To the applicant; on a resubmission, the applicant's answer."),
    )
    # A request for information may say by when the reviewers need the answer.
    answer_by = models.DateField(_("answer due by"), null=True, blank=True)
    # What the application held when it was submitted, to show what changed.
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta(Record.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self):
        return f"{self.application}: {self.from_status} → {self.to_status}"


class ReferenceCounter(models.Model):
    """The last reference number given in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class DocumentEvent(Record):
    """Append-only: documents uploaded, replaced or removed, and staff opening them."""

    class Kind(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        REPLACED = "replaced", _("Replaced")
        REMOVED = "removed", _("Removed")
        VIEWED = "viewed", _("Opened by staff")

    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="document_events",
        verbose_name=_("application"),
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="events", verbose_name=_("document")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)

    class Meta(Record.Meta):
        verbose_name = _("document event")
        verbose_name_plural = _("document events")

    def __str__(self):
        return f"{self.document}: {self.get_kind_display()}"


class StaffNote(Record):
    """An internal note on an application; staff only, append-only."""

    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="staff_notes",
        verbose_name=_("application"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"))

    class Meta(Record.Meta):
        verbose_name = _("staff note")
        verbose_name_plural = _("staff notes")

    def __str__(self):
        return self.text[:60]


class EcosocOrganization(models.Model):
    """One row of the list of organizations in consultative status with ECOSOC, as imported."""

    name = models.CharField(_("name"), max_length=300)
    normalized_name = models.CharField(max_length=300, db_index=True, editable=False)
    country = models.CharField(_("country"), max_length=100, blank=True)
    status = models.CharField(_("consultative status"), max_length=50, blank=True)
    homepage_domain = models.CharField(max_length=253, blank=True, db_index=True, editable=False)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organization in ECOSOC status")
        verbose_name_plural = _("organizations in ECOSOC status")
        ordering = ["name"]

    def __str__(self):
        return self.name
