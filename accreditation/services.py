"""Organizations and applications: every change of state goes through here.

An application's status changes only through ``transition()``, which checks
the step against ``ALLOWED_STEPS`` and writes the history entry. Views, the
admin, management commands and tests call these functions alike.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.mail import send_templated_mail
from accounts.models import RecoveryCode, SecondFactor, SignInToken, User
from accounts.ratelimit import Limit
from accounts.roles import role_of
from events.models import Call

from . import permissions
from .models import (
    Application,
    Document,
    DocumentEvent,
    FocalPoint,
    Invitation,
    MembershipEvent,
    Organization,
    ProposedParticipant,
    ReferenceCounter,
    Status,
    StatusChange,
)
from .thumbnails import make_thumbnail
from .uploads import CheckedFile

logger = logging.getLogger(__name__)

ALLOWED_STEPS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED, Status.WITHDRAWN},
    Status.INFORMATION_REQUESTED: {Status.SUBMITTED, Status.NOT_RECOMMENDED, Status.WITHDRAWN},
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


class TooMany(NotAllowed):
    """A limit on what a person may ask the portal to do (send mail, for instance)."""


# Organizations ----------------------------------------------------------------


def save_organization(*, organization: Organization | None, by: User, fields: dict) -> Organization:
    """Create (with its first focal point) or update an organization's profile."""
    with transaction.atomic():
        if organization is None:
            if FocalPoint.objects.filter(user=by).exists():
                raise NotAllowed(_("You are already a focal point of an organization."))
            organization = Organization(**fields)
        else:
            for name, value in fields.items():
                setattr(organization, name, value)
        is_new = organization.pk is None
        organization.save()
        if is_new:
            FocalPoint.objects.create(organization=organization, user=by)
    return organization


# Each invitation mails someone from the portal's own address: counted per person who
# invites, per organization and per address invited, as sign-in links are.
INVITATIONS_PER_PERSON = Limit("invitations-per-person", 5, timedelta(hours=1))
INVITATIONS_PER_ORGANIZATION = Limit("invitations-per-organization", 10, timedelta(days=1))
INVITATIONS_PER_ADDRESS = Limit("invitations-per-address", 3, timedelta(days=1))


def invite_focal_point(
    *, organization: Organization, email: str, by: User, now: datetime | None = None
) -> Invitation:
    email = User.objects.normalize_email(email)
    if organization.focal_points.filter(email=email).exists():
        raise NotAllowed(_("This person is already a focal point of the organization."))
    now = now or timezone.now()
    for limit, subject in [
        (INVITATIONS_PER_PERSON, str(by.pk)),
        (INVITATIONS_PER_ORGANIZATION, str(organization.pk)),
        (INVITATIONS_PER_ADDRESS, email),
    ]:
        if wait := limit.consume(subject, now=now):
            hours = max(1, -(-int(wait.total_seconds()) // 3600))
            raise TooMany(
                ngettext(
                    "Too many invitations were sent. Try again in %(count)d hour.",
                    "Too many invitations were sent. Try again in %(count)d hours.",
                    hours,
                )
                % {"count": hours}
            )
    invitation, created = Invitation.objects.get_or_create(
        organization=organization, email=email, accepted_at=None, defaults={"invited_by": by}
    )
    if created:
        _record_membership(organization, MembershipEvent.Kind.INVITED, email, by=by)
    # The organization's name is the applicant's own words: the mail quotes it as such,
    # names the inviter by the address they signed in with, and keeps both out of the
    # subject.
    send_templated_mail(
        "accreditation/email/invitation",
        [email],
        {
            "organization_name": organization.name,
            "inviter_email": by.email,
            "sign_in_url": settings.SITE_URL + reverse("accounts:sign_in"),
        },
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, by: User) -> FocalPoint:
    if invitation.email != by.email or invitation.accepted_at is not None:
        raise NotAllowed(_("This invitation is not for you, or it was already accepted."))
    if FocalPoint.objects.filter(user=by).exists():
        raise NotAllowed(_("You are already a focal point of an organization."))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _record_membership(invitation.organization, MembershipEvent.Kind.JOINED, by.email, by=by)
    return FocalPoint.objects.create(organization=invitation.organization, user=by)


def cancel_invitation(*, invitation: Invitation, by: User) -> None:
    """A focal point takes back an invitation that is still open; the invitee is told."""
    with transaction.atomic():
        if not permissions.is_focal_point(by, invitation.organization):
            raise NotAllowed(_("Only the organization's focal points can cancel its invitations."))
        if not Invitation.objects.filter(pk=invitation.pk, accepted_at=None).delete()[0]:
            raise NotAllowed(_("This invitation was already accepted or cancelled."))
        _record_membership(
            invitation.organization,
            MembershipEvent.Kind.INVITATION_CANCELLED,
            invitation.email,
            by=by,
        )
        _mail_membership(
            invitation.organization,
            MembershipEvent.Kind.INVITATION_CANCELLED,
            to=[invitation.email],
        )


def decline_invitation(*, invitation: Invitation, by: User) -> None:
    """The invitee says no; the organization's focal points are told."""
    with transaction.atomic():
        if invitation.email != by.email:
            raise NotAllowed(_("This invitation is not for you, or it was already accepted."))
        if not Invitation.objects.filter(pk=invitation.pk, accepted_at=None).delete()[0]:
            raise NotAllowed(_("This invitation is not for you, or it was already accepted."))
        _record_membership(
            invitation.organization, MembershipEvent.Kind.INVITATION_DECLINED, by.email, by=by
        )
        _mail_membership(
            invitation.organization,
            MembershipEvent.Kind.INVITATION_DECLINED,
            to=list(invitation.organization.focal_points.filter(is_active=True)),
            person=by.email,
        )


def remove_focal_point(*, organization: Organization, person: User, by: User) -> None:
    """A focal point leaves the organization (person is by) or removes a colleague.

    The organization always keeps one focal point: the last one cannot leave.
    """
    with transaction.atomic():
        # Locked, so that two focal points leaving at once cannot leave nobody.
        members = list(
            FocalPoint.objects.select_for_update().filter(organization=organization).order_by("pk")
        )
        user_ids = {member.user_id for member in members}
        if by.pk not in user_ids:
            raise NotAllowed(_("Only the organization's focal points can change its focal points."))
        if person.pk not in user_ids:
            raise NotAllowed(_("This person is not a focal point of the organization."))
        if len(members) == 1:
            raise NotAllowed(
                _(
                    "An organization needs at least one focal point. Invite a colleague before "
                    "you leave, or delete your account."
                )
            )
        FocalPoint.objects.filter(organization=organization, user=person).delete()
        kind = MembershipEvent.Kind.LEFT if person.pk == by.pk else MembershipEvent.Kind.REMOVED
        _record_membership(organization, kind, person.email, by=by)
        _mail_membership(organization, kind, to=[person.email])


def _record_membership(organization, kind, email, *, by) -> MembershipEvent:
    return MembershipEvent.objects.create(
        organization=organization, kind=kind, email=email, actor=by
    )


def _mail_membership(organization, kind, *, to, person="") -> None:
    """Tell the people concerned, each in their language."""
    for recipient in to:
        address = getattr(recipient, "email", recipient)
        language = getattr(recipient, "preferred_language", None) or (
            User.objects.filter(email=address).values_list("preferred_language", flat=True).first()
            or translation.get_language()
            or settings.LANGUAGE_CODE
        )
        send_templated_mail(
            "accreditation/email/membership",
            [address],
            {"kind": kind, "organization_name": organization.name, "person": person},
            language=language,
        )


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
    answer: str | None = None,
    participants: list[dict] | None = None,
) -> Application:
    """Keep what the applicant typed. ``participants``: the people the organization proposes
    to send, in order, each a dict of ``full_name``, ``function`` and ``gender``; they replace
    those named before. None leaves them as they are."""
    application = (
        Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    )
    check_editable(application)
    if participants is not None:
        _save_participants(application, participants)
    application.reason = reason
    if acknowledged and application.acknowledged_at is None:
        application.acknowledged_at = timezone.now()
    elif not acknowledged:
        application.acknowledged_at = None
    if answer is not None and application.status == Status.INFORMATION_REQUESTED:
        application.answer = answer
    application.save(update_fields=["reason", "answer", "acknowledged_at", "updated_at"])
    application.meetings.set(meetings)
    return application


def _save_participants(application: Application, participants: list[dict]) -> None:
    limit = application.call.max_representatives
    if len(participants) > limit:
        raise NotAllowed(
            ngettext(
                "You can propose at most %(limit)d person to send.",
                "You can propose at most %(limit)d people to send.",
                limit,
            )
            % {"limit": limit}
        )
    people = [
        ProposedParticipant(
            application=application,
            full_name=person["full_name"],
            function=person["function"],
            gender=person["gender"],
            position=position,
        )
        for position, person in enumerate(participants)
    ]
    for person in people:
        try:
            person.full_clean(exclude=["application"])
        except ValidationError as invalid:
            raise NotAllowed(
                _("A proposed participant could not be saved: %(reason)s")
                % {"reason": " ".join(invalid.messages)}
            ) from invalid
    application.proposed_participants.all().delete()
    ProposedParticipant.objects.bulk_create(people)


def add_document(
    *, application: Application, kind: str, checked: CheckedFile, by: User
) -> Document:
    # Drawn before the row is locked: it is the slow part.
    thumbnail = (
        make_thumbnail(checked.content) if checked.content_type.startswith("image/") else None
    )
    with transaction.atomic():
        return _add_document(
            application=application, kind=kind, checked=checked, by=by, thumbnail=thumbnail
        )


def _add_document(*, application, kind, checked, by, thumbnail) -> Document:
    application = (
        Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    )
    check_editable(application)
    now = timezone.now()
    replaced = False
    if kind != Document.Kind.OTHER:
        for earlier in application.documents.current().filter(kind=kind):
            # An earlier version that was submitted stays, for staff to compare; one that
            # never was is the applicant's working copy and goes.
            if not _discard_unsubmitted(earlier):
                Document.objects.filter(pk=earlier.pk).update(replaced_at=now)
                replaced = True
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
    document.page_count = checked.page_count
    document.file.save(checked.original_name, ContentFile(checked.content), save=False)
    if thumbnail is not None:
        document.thumbnail.save("thumbnail.png", ContentFile(thumbnail), save=False)
    document.save()
    DocumentEvent.objects.create(
        application=application,
        document=document,
        actor=by,
        role=role_of(by),
        kind=DocumentEvent.Kind.REPLACED if replaced else DocumentEvent.Kind.UPLOADED,
        at=now,
    )
    return document


@transaction.atomic
def remove_document(*, document: Document, by: User) -> None:
    application = (
        Application.objects.select_for_update()
        .select_related("call")
        .get(pk=document.application_id)
    )
    check_editable(application)
    document = Document.objects.get(pk=document.pk)
    if _discard_unsubmitted(document):
        return
    Document.objects.filter(pk=document.pk).update(replaced_at=timezone.now())
    DocumentEvent.objects.create(
        application=application,
        document=document,
        actor=by,
        role=role_of(by),
        kind=DocumentEvent.Kind.REMOVED,
    )


def _discard_unsubmitted(document: Document) -> bool:
    """Delete a document that was never part of a submission, with its files; say if it went.

    What the applicant replaces or removes before submitting is their own working copy:
    staff never see it. Only one that staff have already opened (while the applicant was
    answering a request) stays, on the record but out of staff's sight
    (``Document.objects.seen_by_staff()``).
    """
    if document.submitted_at is not None:
        return False
    if document.events.filter(kind=DocumentEvent.Kind.VIEWED).exists():
        return False
    # Its upload event is the applicant's working data too, as for a deleted draft.
    document.events.all().delete()
    _delete_files_on_commit(document)
    document.delete()
    return True


def store_thumbnail(document: Document) -> None:
    """Draw and keep an image document's thumbnail, for one stored without it."""
    with document.file.open("rb") as source:
        thumbnail = make_thumbnail(source.read())
    document.thumbnail.save("thumbnail.png", ContentFile(thumbnail), save=False)
    Document.objects.filter(pk=document.pk).update(thumbnail=document.thumbnail.name)


def _stored_files(document: Document) -> list[str]:
    return [name for name in (document.file.name, document.thumbnail.name) if name]


def _delete_files_on_commit(*documents: Document) -> None:
    """The files go once the rows are gone for good."""
    storage = Document.file.field.storage
    names = [name for document in documents for name in _stored_files(document)]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


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
    participants = application.proposed_participants.count()
    most = application.call.max_representatives
    if not participants:
        missing.append(_("at least one person the organization proposes to send"))
    elif participants > most:
        missing.append(
            ngettext(
                "at most %(limit)d person proposed to be sent (there are %(count)d)",
                "at most %(limit)d people proposed to be sent (there are %(count)d)",
                most,
            )
            % {"limit": most, "count": participants}
        )
    current_kinds = set(application.documents.current().values_list("kind", flat=True))
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
    message: str = "",
    answer_by: date | None = None,
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
        role=role_of(by),
        from_status=application.status,
        to_status=to,
        note=note,
        message=message,
        answer_by=answer_by,
        snapshot=snapshot(application) if to == Status.SUBMITTED else {},
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
        answer, is_answer = "", application.status == Status.INFORMATION_REQUESTED
        if is_answer:
            # The answer goes on the record with the resubmission; the next request starts
            # with an empty one.
            answer, application.answer = application.answer.strip(), ""
            application.save(update_fields=["answer"])
        if application.status == Status.DRAFT:
            application.reference = _next_reference(
                application.call.deadline.astimezone(application.call.tzinfo).year
            )
            application.submitted_at = now
            application.save(update_fields=["reference", "submitted_at"])
        # From now on these versions are part of the record staff read.
        application.documents.current().filter(submitted_at=None).update(submitted_at=now)
        transition(application=application, to=Status.SUBMITTED, by=by, message=answer, now=now)
        mail_focal_points(
            application,
            "accreditation/email/submitted",
            message=answer,
            extra={"is_answer": is_answer, "received_at": now},
        )
    return Submitted(application, already=False)


def withdraw_application(*, application: Application, by: User, note: str = "") -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in WITHDRAWABLE:
            raise NotAllowed(_("Only an application awaiting a decision can be withdrawn."))
        transition(application=application, to=Status.WITHDRAWN, by=by, note=note)
        # Every focal point learns of it, not only the one who withdrew.
        mail_focal_points(application, "accreditation/email/withdrawn")
    return application


@transaction.atomic
def delete_draft(*, application: Application, by: User) -> None:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.DRAFT:
        raise NotAllowed(
            _("Only a draft can be deleted; a submitted application can be withdrawn.")
        )
    # A draft was never submitted: its upload events are the applicant's own
    # working data, not part of the record, and go with it.
    _delete_files_on_commit(*application.documents.all())
    DocumentEvent.objects.filter(application=application).delete()
    application.delete()


# Accounts -----------------------------------------------------------------------


@transaction.atomic
def delete_focal_point_account(*, user: User) -> None:
    """Remove a person's personal data; their organization's submitted applications stay on the record."""
    if not permissions.can_delete_own_account(user):
        raise NotAllowed(
            _(
                "Your account was given to you by an administrator of the portal: ask them to close it."
            )
        )
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


def mail_focal_points(
    application: Application, template: str, *, message: str = "", extra: dict | None = None
) -> None:
    """Queue a mail to every focal point, in each one's language (sent when the step commits)."""
    for person in application.organization.focal_points.filter(is_active=True):
        send_templated_mail(
            template,
            [person.email],
            {
                "application": application,
                "person": person,
                "documents": application.documents.current(),
                "message": message,
                **(extra or {}),
            },
            language=person.preferred_language,
            # Replies reach the call's own contact, not the portal's no-reply address.
            reply_to=[contact] if (contact := application.call.contact_email) else None,
        )


# What was submitted ----------------------------------------------------------------


def snapshot(application: Application) -> dict:
    """What the application holds now, as submitted: compared at the next submission."""
    return {
        "reason": application.reason,
        "meetings": sorted(application.meetings.values_list("title", flat=True)),
        # Required documents by kind, so that a replacement reads as a change;
        # further documents by name.
        "documents": {
            (doc.kind if doc.kind != Document.Kind.OTHER else f"other:{doc.original_name}"): {
                "kind": doc.kind,
                "name": doc.original_name,
                "sha256": doc.sha256,
            }
            for doc in application.documents.current()
        },
        # The people proposed, in their order; gender as its stored value ("female", "male",
        # "another", "not_said"), put into words when the change is shown.
        "participants": [
            {"full_name": person.full_name, "function": person.function, "gender": person.gender}
            for person in application.proposed_participants.order_by("position", "pk")
        ],
    }


# Documents opened by staff -------------------------------------------------------


VIEW_RECORDED_FOR = timedelta(minutes=15)


def record_document_view(*, document: Document, by: User, now: datetime | None = None) -> None:
    """Put on the record that a staff member opened a document (its thumbnail too).

    Opening it again within a quarter of an hour adds nothing: the page shows the
    thumbnails each time it is opened, and the record is of who read what, and when.
    """
    now = now or timezone.now()
    recently = DocumentEvent.objects.filter(
        document=document, actor=by, kind=DocumentEvent.Kind.VIEWED, at__gt=now - VIEW_RECORDED_FOR
    )
    if recently.exists():
        return
    DocumentEvent.objects.create(
        at=now,
        application_id=document.application_id,
        document=document,
        actor=by,
        role=role_of(by),
        kind=DocumentEvent.Kind.VIEWED,
    )
