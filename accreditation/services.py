"""Organizations and applications: every change of state goes through here.

An application's status changes only through ``transition()``, which checks
the step against ``ALLOWED_STEPS`` and writes the history entry. Views, the
admin, management commands and tests call these functions alike.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.mail import send_templated_mail
from accounts.models import RecoveryCode, SecondFactor, SignInToken, User
from events.models import Call

from .models import (
    Application,
    Document,
    FocalPoint,
    Invitation,
    Organization,
    ReferenceCounter,
    Status,
    StatusChange,
)
from .uploads import CheckedFile

logger = logging.getLogger(__name__)

ALLOWED_STEPS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED, Status.WITHDRAWN},
    Status.INFORMATION_REQUESTED: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.UNDER_REVIEW: {
        Status.INFORMATION_REQUESTED,
        Status.RECOMMENDED,
        Status.NOT_RECOMMENDED,
        Status.WITHDRAWN,
    },
    Status.RECOMMENDED: {Status.UNDER_REVIEW, Status.ACCREDITED, Status.NOT_ACCREDITED},
    Status.NOT_RECOMMENDED: {Status.UNDER_REVIEW},
    Status.ACCREDITED: set(),
    Status.NOT_ACCREDITED: set(),
    Status.WITHDRAWN: set(),
}
# What the applicant may still change: a draft, or an answer to a request.
EDITABLE = {Status.DRAFT, Status.INFORMATION_REQUESTED}
WITHDRAWABLE = {Status.SUBMITTED, Status.INFORMATION_REQUESTED, Status.UNDER_REVIEW}
REQUIRED_DOCUMENTS = [Document.Kind.LEGAL_STATUS, Document.Kind.HEAD_LETTER]


class NotAllowed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Organizations ----------------------------------------------------------------


def organization_of(user: User) -> Organization | None:
    if not user.is_authenticated:
        return None
    membership = FocalPoint.objects.select_related("organization").filter(user=user).first()
    return membership.organization if membership else None


@transaction.atomic
def create_organization(*, by: User, **fields) -> Organization:
    if FocalPoint.objects.filter(user=by).exists():
        raise NotAllowed(_("You are already a focal point of an organization."))
    organization = Organization.objects.create(**fields)
    FocalPoint.objects.create(organization=organization, user=by)
    return organization


def invite_focal_point(*, organization: Organization, email: str, by: User) -> Invitation:
    email = User.objects.normalize_email(email.strip()).lower()
    if organization.focal_points.filter(email=email).exists():
        raise NotAllowed(_("This person is already a focal point of the organization."))
    invitation, _created = Invitation.objects.get_or_create(
        organization=organization, email=email, accepted_at=None, defaults={"invited_by": by}
    )
    send_templated_mail(
        "accreditation/email/invitation",
        [email],
        {
            "organization": organization,
            "inviter": by,
            "sign_in_url": settings.SITE_URL + reverse("accounts:sign_in"),
        },
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return invitation


def open_invitations(user: User):
    return Invitation.objects.filter(email=user.email, accepted_at=None).select_related(
        "organization"
    )


@transaction.atomic
def accept_invitation(*, invitation: Invitation, by: User) -> FocalPoint:
    if invitation.email != by.email or invitation.accepted_at is not None:
        raise NotAllowed(_("This invitation is not for you, or it was already accepted."))
    if FocalPoint.objects.filter(user=by).exists():
        raise NotAllowed(_("You are already a focal point of an organization."))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return FocalPoint.objects.create(organization=invitation.organization, user=by)


# Applications -----------------------------------------------------------------


def ecosoc_refusal(organization: Organization, call: Call) -> str:
    """Why this organization cannot apply to this call, or an empty string."""
    if organization.in_ecosoc_status and call.is_only_for_organizations_without_ecosoc_status:
        return _(
            "Your organization is in consultative status with ECOSOC, so it does not need special "
            "accreditation to this meeting: please contact the NGO Branch of UN DESA instead."
        )
    return ""


@transaction.atomic
def start_application(*, organization: Organization, call: Call, by: User) -> Application:
    existing = Application.objects.filter(organization=organization, call=call).first()
    if existing:
        return existing
    if refusal := ecosoc_refusal(organization, call):
        raise NotAllowed(refusal)
    if not call.is_open:
        raise NotAllowed(_("This call is not open for applications."))
    return Application.objects.create(organization=organization, call=call, created_by=by)


def check_editable(application: Application, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if application.status not in EDITABLE:
        raise NotAllowed(_("This application has been submitted and can no longer be changed."))
    if application.status == Status.DRAFT and now >= application.call.deadline:
        raise NotAllowed(
            _("The deadline has passed: this draft can no longer be changed or submitted.")
        )


@transaction.atomic
def save_draft(
    *,
    application: Application,
    by: User,
    reason: str,
    meetings,
    acknowledged: bool,
) -> Application:
    application = (
        Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    )
    check_editable(application)
    application.reason = reason
    if acknowledged and application.acknowledged_at is None:
        application.acknowledged_at = timezone.now()
    elif not acknowledged:
        application.acknowledged_at = None
    application.save(update_fields=["reason", "acknowledged_at", "updated_at"])
    application.meetings.set(meetings)
    return application


@transaction.atomic
def add_document(
    *, application: Application, kind: str, checked: CheckedFile, by: User
) -> Document:
    application = (
        Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    )
    check_editable(application)
    now = timezone.now()
    if kind != Document.Kind.OTHER:
        # The earlier version stays, for staff to compare.
        application.documents.filter(kind=kind, replaced_at=None).update(replaced_at=now)
    document = Document(
        application=application,
        kind=kind,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
        uploaded_at=now,
    )
    document.file.save(checked.original_name, ContentFile(checked.content), save=False)
    document.save()
    return document


@transaction.atomic
def remove_document(*, document: Document, by: User) -> None:
    application = (
        Application.objects.select_for_update()
        .select_related("call")
        .get(pk=document.application_id)
    )
    check_editable(application)
    Document.objects.filter(pk=document.pk).update(replaced_at=timezone.now())


def word_count(text: str) -> int:
    return len(text.split())


def missing_parts(application: Application) -> list[str]:
    """What still stands between this application and its submission, in the applicant's words."""
    missing = []
    limit = application.call.reason_word_limit
    if not application.reason.strip():
        missing.append(_("the reason for participation"))
    elif word_count(application.reason) > limit:
        missing.append(
            _("a reason for participation of at most %(limit)d words (it has %(count)d)")
            % {"limit": limit, "count": word_count(application.reason)}
        )
    if application.call.meeting_list and not application.meetings.exists():
        missing.append(_("at least one meeting of interest"))
    current_kinds = set(
        application.documents.filter(replaced_at=None).values_list("kind", flat=True)
    )
    for kind in REQUIRED_DOCUMENTS:
        if kind not in current_kinds:
            missing.append(str(Document.Kind(kind).label))
    if application.acknowledged_at is None:
        missing.append(_("the acknowledgement of what is shared with Member States"))
    return missing


def transition(
    *,
    application: Application,
    to: str,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Application:
    """The only way a status changes. Call inside a transaction, with the row locked."""
    if to not in ALLOWED_STEPS[application.status]:
        raise NotAllowed(
            _("An application that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Status(application.status).label, "target": Status(to).label}
        )
    StatusChange.objects.create(
        application=application,
        actor=by,
        from_status=application.status,
        to_status=to,
        note=note,
        at=now or timezone.now(),
    )
    application.status = to
    application.save(update_fields=["status", "updated_at"])
    return application


def _next_reference(year: int) -> str:
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    # get_or_create may have raced another first submission of the year; the
    # unique year and the row lock leave exactly one counter to increment.
    counter = ReferenceCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"SA-{year}-{counter.last_number:05d}"


@dataclass(frozen=True)
class Submitted:
    application: Application
    already: bool


def submit_application(
    *, application: Application, by: User, now: datetime | None = None
) -> Submitted:
    """Submit a draft, or resubmit an answer to a request for information.

    The deadline and completeness are checked at this instant, on the locked
    row; a second click finds the application submitted and changes nothing.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("call", "organization")
            .get(pk=application.pk)
        )
        now = now or timezone.now()
        if application.status == Status.SUBMITTED:
            return Submitted(application, already=True)
        check_editable(application, now=now)
        if refusal := ecosoc_refusal(application.organization, application.call):
            raise NotAllowed(refusal)
        if missing := missing_parts(application):
            raise NotAllowed(_("Still missing: %(parts)s.") % {"parts": "; ".join(missing)})
        if application.status == Status.DRAFT:
            application.reference = _next_reference(
                application.call.deadline.astimezone(application.call.tzinfo).year
            )
            application.submitted_at = now
            application.save(update_fields=["reference", "submitted_at"])
        transition(application=application, to=Status.SUBMITTED, by=by, now=now)
    _mail_focal_points(application, "accreditation/email/submitted")
    return Submitted(application, already=False)


@transaction.atomic
def withdraw_application(*, application: Application, by: User, note: str = "") -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in WITHDRAWABLE:
        raise NotAllowed(_("Only an application awaiting a decision can be withdrawn."))
    return transition(application=application, to=Status.WITHDRAWN, by=by, note=note)


@transaction.atomic
def delete_draft(*, application: Application, by: User) -> None:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise NotAllowed(
            _("Only a draft can be deleted; a submitted application can be withdrawn.")
        )
    stored = [document.file.name for document in application.documents.all()]
    storage = Document.file.field.storage
    application.delete()
    # The files go only once the rows are gone for good.
    transaction.on_commit(lambda: [storage.delete(name) for name in stored])


# Accounts -----------------------------------------------------------------------


@transaction.atomic
def delete_focal_point_account(*, user: User) -> None:
    """Remove a person's personal data; their organization's submitted applications stay on the record."""
    FocalPoint.objects.filter(user=user).delete()
    Invitation.objects.filter(email=user.email).delete()
    # Sign-in links hold the address too, and the second factor is personal.
    SignInToken.objects.filter(Q(user=user) | Q(email=user.email)).delete()
    SecondFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.given_name = ""
    user.family_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


# Mail ---------------------------------------------------------------------------


def _mail_focal_points(application: Application, template: str) -> None:
    for person in application.organization.focal_points.filter(is_active=True):
        send_templated_mail(
            template,
            [person.email],
            {
                "application": application,
                "person": person,
                "documents": application.documents.filter(replaced_at=None),
            },
            language=person.preferred_language,
        )
