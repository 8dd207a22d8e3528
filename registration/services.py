"""Registering representatives and confirming ECOSOC status: every change, its record and mail.

The rules are kept here, on the server, whatever page or command asks: the call's
registration window (open from its opening inclusive to its closing exclusive), who may
register (accredited to the call, or in ECOSOC status confirmed for it), meetings only from
the call, and the call's limit per organization, counted with the organization's row locked
so that two focal points registering at once cannot pass it.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.mail import send_templated_mail
from accounts.models import User
from accounts.roles import role_of
from accreditation.models import Application, Organization, Status
from accreditation.services import NotAllowed, TooMany
from events.models import Call, RegistrationState
from events.timefmt import in_zone

from .models import EcosocConfirmation, RegistrationAnnouncement, RegistrationEvent, Representative
from .photos import CheckedPhoto

__all__ = [
    "NotAllowed",
    "announce_open_registrations",
    "decide_ecosoc_confirmation",
    "eligibility",
    "register_representative",
    "registration_refusal",
    "remove_representative",
    "request_ecosoc_confirmation",
    "update_representative",
]

# What a representative's form holds besides the meetings and the photo.
PERSON_FIELDS = ("full_name", "function", "gender", "nationality", "email", "language")


class Eligibility:
    ACCREDITED = "accredited"
    ECOSOC_CONFIRMED = "ecosoc_confirmed"
    ECOSOC_REQUESTED = "ecosoc_requested"
    ECOSOC_REFUSED = "ecosoc_refused"
    MAY_ASK_ECOSOC = "may_ask_ecosoc"
    NONE = ""


def eligibility(organization: Organization, call: Call) -> str:
    """Where the organization stands for registering representatives to the call."""
    if Application.objects.filter(
        organization=organization, call=call, status=Status.ACCREDITED
    ).exists():
        return Eligibility.ACCREDITED
    confirmation = EcosocConfirmation.objects.filter(organization=organization, call=call).first()
    if confirmation is not None:
        return {
            EcosocConfirmation.Status.CONFIRMED: Eligibility.ECOSOC_CONFIRMED,
            EcosocConfirmation.Status.REQUESTED: Eligibility.ECOSOC_REQUESTED,
            EcosocConfirmation.Status.REFUSED: Eligibility.ECOSOC_REFUSED,
        }[confirmation.status]
    if organization.in_ecosoc_status:
        return Eligibility.MAY_ASK_ECOSOC
    return Eligibility.NONE


def window_refusal(call: Call, now: datetime | None = None) -> str:
    """Why nothing can be registered for the call now ("" while its window is open)."""
    state = call.registration_state_at(now or timezone.now())
    if state == RegistrationState.OPEN:
        return ""
    if state == RegistrationState.NOT_SCHEDULED:
        return _("Registration of representatives for this call has not been scheduled yet.")
    if state == RegistrationState.UPCOMING:
        return _("Registration of representatives opens on %(when)s.") % {
            "when": in_zone(call.registration_opens_at, call.tzinfo, call.venue.city)
        }
    return _(
        "Registration of representatives closed on %(when)s: representatives can no longer "
        "be registered, replaced or removed."
    ) % {"when": in_zone(call.registration_closes_at, call.tzinfo, call.venue.city)}


def registration_refusal(
    organization: Organization, call: Call, now: datetime | None = None
) -> str:
    """Why the organization cannot register, replace or remove representatives now ("" if it can)."""
    if refusal := window_refusal(call, now):
        return refusal
    if eligibility(organization, call) in (Eligibility.ACCREDITED, Eligibility.ECOSOC_CONFIRMED):
        return ""
    return _(
        "Only organizations accredited to this call, or whose consultative status with ECOSOC "
        "has been confirmed for it, register representatives."
    )


def _check(organization: Organization, call: Call, now: datetime) -> None:
    if refusal := registration_refusal(organization, call, now):
        raise NotAllowed(refusal)


def _check_meetings(call: Call, meetings) -> list:
    meetings = list(meetings)
    if not meetings:
        raise NotAllowed(_("Choose at least one meeting the representative will attend."))
    if any(meeting.call_id != call.pk for meeting in meetings):
        raise NotAllowed(_("Choose meetings of this call only."))
    return meetings


def _record(organization, call, kind, *, by, person="", replaced_person="", note="", now=None):
    return RegistrationEvent.objects.create(
        organization=organization,
        call=call,
        kind=kind,
        person=person,
        replaced_person=replaced_person,
        note=note,
        actor=by,
        role=role_of(by),
        at=now or timezone.now(),
    )


def _store_photo(representative: Representative, photo: CheckedPhoto, stored: list) -> None:
    """Write the photo and its thumbnail; their names go into ``stored`` as they are written,
    for ``_delete_files`` to take back if the step fails."""
    representative.photo.save("photo.jpg", ContentFile(photo.content), save=False)
    stored.append(representative.photo.name)
    representative.thumbnail.save("thumbnail.jpg", ContentFile(photo.thumbnail), save=False)
    stored.append(representative.thumbnail.name)


def _delete_files(names) -> None:
    storage = Representative._meta.get_field("photo").storage
    for name in names:
        if name:
            storage.delete(name)


@contextmanager
def _files_taken_back_on_failure():
    """The photo files a step writes (``step.stored``): deleted if the step fails before its
    end, when they would be nobody's. Not after (``step.finished``): what fails then is a
    callback of the commit, and the step is done. A clash on the address at the database
    (two registering it at once) is refused as one."""
    step = SimpleNamespace(stored=[], finished=False)
    try:
        yield step
    except IntegrityError as error:
        if not step.finished:
            _delete_files(step.stored)
        raise _duplicate_address() from error
    except BaseException:
        if not step.finished:
            _delete_files(step.stored)
        raise


def _delete_files_on_commit(*names: str) -> None:
    transaction.on_commit(lambda: _delete_files(names))


def _duplicate_address() -> NotAllowed:
    return NotAllowed(_("Someone with this email address is already registered for this call."))


def address_refusal(
    call: Call, email: str, *, organization: Organization, other_than: int | None = None
) -> str:
    """Why the address cannot be registered for the call ("" if it can): one person, one
    registration per call, whatever the case of the address. Another organization's
    registration is not named: its people are its own."""
    taken = Representative.objects.filter(call=call, email__iexact=email.strip())
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    owner = taken.values_list("organization_id", flat=True).first()
    if owner is None:
        return ""
    if owner == organization.pk:
        return _("Someone with this email address is already registered for this call.")
    contact = f" ({call.contact_email})" if call.contact_email else ""
    return _(
        "This address cannot be registered for this call. If this person represents your "
        "organization, write to the organizers%(contact)s."
    ) % {"contact": contact}


def _check_address(
    call: Call, email: str, *, organization: Organization, other_than: int | None = None
) -> None:
    """Refuse an address already registered for the call before any file is written (the
    unique constraint still stops two registering it at once)."""
    if refusal := address_refusal(call, email, organization=organization, other_than=other_than):
        raise NotAllowed(refusal)


def _check_daily_mail(organization: Organization, call: Call, now: datetime) -> None:
    """Each registration and replacement mails someone the focal point names: so many a day
    per organization and call, so that the portal cannot be made to mail any address at will.
    Called with the organization's row locked."""
    limit = settings.REGISTRATION_MAILS_PER_DAY
    sent = RegistrationEvent.objects.filter(
        organization=organization,
        call=call,
        kind__in=[RegistrationEvent.Kind.REGISTERED, RegistrationEvent.Kind.REPLACED],
        at__gt=now - timedelta(days=1),
    ).count()
    if sent >= limit:
        raise TooMany(
            _(
                "Your organization has registered or replaced %(count)d people for this call "
                "in the last 24 hours, the most the portal mails in a day. Try again tomorrow, "
                "or write to the organizers."
            )
            % {"count": sent}
        )


def _gone() -> NotAllowed:
    return NotAllowed(_("This representative is no longer registered."))


def _mail_confirmation(representative: Representative, template: str = "registered") -> None:
    call = representative.call
    send_templated_mail(
        f"registration/email/{template}",
        [representative.email],
        {
            "representative": representative,
            "organization": representative.organization,
            "call": call,
            "meetings": list(representative.meetings.all()),
        },
        language=representative.language,
        reply_to=[call.contact_email] if call.contact_email else None,
    )


def register_representative(
    *,
    organization: Organization,
    call: Call,
    by: User,
    fields: dict,
    meetings,
    photo: CheckedPhoto,
    now: datetime | None = None,
) -> Representative:
    """Register one representative, mail them a confirmation in the language chosen for them."""
    now = now or timezone.now()
    meetings = _check_meetings(call, meetings)
    with _files_taken_back_on_failure() as step, transaction.atomic():
        # The organization's row is the lock: whoever holds it counts and adds alone.
        Organization.objects.select_for_update().get(pk=organization.pk)
        _check(organization, call, now)
        registered = Representative.objects.filter(organization=organization, call=call).count()
        if registered >= call.max_representatives:
            raise NotAllowed(
                ngettext(
                    "Your organization has registered its %(limit)d representative, the "
                    "most this call allows. Replace or remove them to register someone else.",
                    "Your organization has registered its %(limit)d representatives, the "
                    "most this call allows. Replace or remove one to register someone else.",
                    call.max_representatives,
                )
                % {"limit": call.max_representatives}
            )
        _check_address(call, fields["email"], organization=organization)
        _check_daily_mail(organization, call, now)
        representative = Representative(
            organization=organization,
            call=call,
            registered_by=by,
            registered_at=now,
            **{name: fields[name] for name in PERSON_FIELDS},
        )
        _store_photo(representative, photo, step.stored)
        representative.save()
        representative.meetings.set(meetings)
        _record(
            organization,
            call,
            RegistrationEvent.Kind.REGISTERED,
            by=by,
            person=representative.full_name,
            now=now,
        )
        _mail_confirmation(representative)
        step.finished = True
    return representative


def update_representative(
    *,
    representative: Representative,
    by: User,
    fields: dict,
    meetings,
    photo: CheckedPhoto | None,
    now: datetime | None = None,
) -> Representative:
    """Correct a representative's details or replace them by someone else.

    A new name or address is another person: a replacement, which needs that person's photo
    and is mailed to them. Otherwise the details are corrected (the photo too, if given).
    """
    now = now or timezone.now()
    call = representative.call
    meetings = _check_meetings(call, meetings)
    if is_replacement(representative, fields) and photo is None:
        raise NotAllowed(_("A new representative needs their own photo: choose one."))
    with _files_taken_back_on_failure() as step, transaction.atomic():
        Organization.objects.select_for_update().get(pk=representative.organization_id)
        representative = (
            Representative.objects.select_for_update().filter(pk=representative.pk).first()
        )
        if representative is None:
            raise _gone()
        _check(representative.organization, call, now)
        # Decided again on the row as it is now: someone may have changed it meanwhile.
        before_name = representative.full_name
        replacing = is_replacement(representative, fields)
        if replacing and photo is None:
            raise NotAllowed(_("A new representative needs their own photo: choose one."))
        _check_address(
            call,
            fields["email"],
            organization=representative.organization,
            other_than=representative.pk,
        )
        if replacing:
            _check_daily_mail(representative.organization, call, now)
        old_files = (representative.photo.name, representative.thumbnail.name)
        for name in PERSON_FIELDS:
            setattr(representative, name, fields[name])
        if photo is not None:
            _store_photo(representative, photo, step.stored)
        if replacing:
            representative.registered_at = now
            representative.registered_by = by
        representative.save()
        representative.meetings.set(meetings)
        if photo is not None:
            _delete_files_on_commit(*old_files)
        _record(
            representative.organization,
            call,
            RegistrationEvent.Kind.REPLACED if replacing else RegistrationEvent.Kind.CORRECTED,
            by=by,
            person=representative.full_name,
            replaced_person=before_name if replacing else "",
            now=now,
        )
        if replacing:
            _mail_confirmation(representative)
        step.finished = True
    return representative


def is_replacement(representative: Representative, fields: dict) -> bool:
    """A new name or address is another person."""
    return (
        fields["full_name"].strip().casefold() != representative.full_name.strip().casefold()
        or fields["email"].strip().casefold() != representative.email.strip().casefold()
    )


def remove_representative(
    *, representative: Representative, by: User, now: datetime | None = None
) -> None:
    """Remove a representative; their photo goes with them, their name stays on the record."""
    now = now or timezone.now()
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=representative.organization_id)
        # Removed once: a second removal at once (two focal points, a double click) finds
        # the row gone instead of recording the removal twice.
        current = Representative.objects.select_for_update().filter(pk=representative.pk).first()
        if current is None:
            raise _gone()
        representative = current
        _check(representative.organization, representative.call, now)
        _record(
            representative.organization,
            representative.call,
            RegistrationEvent.Kind.REMOVED,
            by=by,
            person=representative.full_name,
            now=now,
        )
        _delete_files_on_commit(representative.photo.name, representative.thumbnail.name)
        representative.delete()


# ECOSOC status ---------------------------------------------------------------------------


def request_ecosoc_confirmation(
    *, organization: Organization, call: Call, by: User, now: datetime | None = None
) -> EcosocConfirmation:
    """Ask reviewers to confirm the organization's ECOSOC status for the call."""
    now = now or timezone.now()
    if not call.is_published:
        raise NotAllowed(_("This call is not published."))
    if call.registration_state_at(now) in (
        RegistrationState.NOT_SCHEDULED,
        RegistrationState.CLOSED,
    ):
        raise NotAllowed(window_refusal(call, now))
    standing = eligibility(organization, call)
    if standing == Eligibility.ACCREDITED:
        raise NotAllowed(_("Your organization is accredited to this call: register directly."))
    if standing in (Eligibility.ECOSOC_REQUESTED, Eligibility.ECOSOC_CONFIRMED):
        raise NotAllowed(_("Your organization has already asked for this call."))
    if standing == Eligibility.ECOSOC_REFUSED and organization.in_ecosoc_status:
        # Asked again after a refusal (the status fixed, a mistake put right): the same
        # request waits again; the refusal and its reason stay on the record.
        with transaction.atomic():
            confirmation = EcosocConfirmation.objects.select_for_update().get(
                organization=organization, call=call
            )
            if confirmation.status != EcosocConfirmation.Status.REFUSED:
                raise NotAllowed(_("Your organization has already asked for this call."))
            confirmation.status = EcosocConfirmation.Status.REQUESTED
            confirmation.requested_by = by
            confirmation.requested_at = now
            confirmation.decided_by = None
            confirmation.decided_at = None
            confirmation.reason = ""
            confirmation.save()
            _record(organization, call, RegistrationEvent.Kind.ECOSOC_REQUESTED, by=by, now=now)
            _mail_reviewers(confirmation)
        return confirmation
    if standing != Eligibility.MAY_ASK_ECOSOC:
        raise NotAllowed(
            _(
                "Only organizations in consultative status with ECOSOC ask for it to be "
                "confirmed. Tick it in your organization's profile if it is."
            )
        )
    try:
        with transaction.atomic():
            confirmation = EcosocConfirmation.objects.create(
                organization=organization, call=call, requested_by=by, requested_at=now
            )
            _record(organization, call, RegistrationEvent.Kind.ECOSOC_REQUESTED, by=by, now=now)
            _mail_reviewers(confirmation)
    except IntegrityError as error:
        raise NotAllowed(_("Your organization has already asked for this call.")) from error
    return confirmation


def _mail_reviewers(confirmation: EcosocConfirmation) -> None:
    """Tell the people who decide that a request waits (one mail each per request: an
    organization asks once per call, and again only after a refusal)."""
    deciders = User.objects.filter(
        is_active=True,
        groups__permissions__codename="decide_ecosocconfirmation",
        groups__permissions__content_type__app_label="registration",
    ).distinct()
    admin_url = reverse("admin:registration_ecosocconfirmation_change", args=[confirmation.pk])
    for person in deciders:
        send_templated_mail(
            "registration/email/ecosoc_requested",
            [person.email],
            {
                "organization": confirmation.organization,
                "call": confirmation.call,
                "admin_url": admin_url,
            },
            language=person.preferred_language,
        )


def decide_ecosoc_confirmation(
    *,
    confirmation: EcosocConfirmation,
    by: User,
    confirm: bool,
    reason: str = "",
    now: datetime | None = None,
) -> EcosocConfirmation:
    """A reviewer confirms or refuses; the focal points are told, a refusal with its reason."""
    now = now or timezone.now()
    reason = reason.strip()
    if not confirm and not reason:
        raise NotAllowed(_("Say why the status cannot be confirmed: the organization reads it."))
    with transaction.atomic():
        confirmation = EcosocConfirmation.objects.select_for_update().get(pk=confirmation.pk)
        if confirmation.status != EcosocConfirmation.Status.REQUESTED:
            raise NotAllowed(
                _("This request was already answered: %(status)s.")
                % {"status": confirmation.get_status_display()}
            )
        confirmation.status = (
            EcosocConfirmation.Status.CONFIRMED if confirm else EcosocConfirmation.Status.REFUSED
        )
        confirmation.decided_by = by
        confirmation.decided_at = now
        confirmation.reason = "" if confirm else reason
        confirmation.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        _record(
            confirmation.organization,
            confirmation.call,
            RegistrationEvent.Kind.ECOSOC_CONFIRMED
            if confirm
            else RegistrationEvent.Kind.ECOSOC_REFUSED,
            by=by,
            note=confirmation.reason,
            now=now,
        )
        count = _mail_focal_points(
            confirmation.organization,
            confirmation.call,
            "ecosoc_confirmed" if confirm else "ecosoc_refused",
            {"reason": confirmation.reason},
        )
        if confirm and confirmation.call.registration_state_at(now) == RegistrationState.OPEN:
            # The confirmation's mail says registration is open: no second mail to say it.
            RegistrationAnnouncement.objects.get_or_create(
                call=confirmation.call,
                organization=confirmation.organization,
                defaults={"mailed_at": now, "recipients": count},
            )
    return confirmation


# The window's opening ----------------------------------------------------------------------


def _mail_focal_points(organization: Organization, call: Call, template: str, extra=None) -> int:
    people = list(organization.focal_points.filter(is_active=True))
    for person in people:
        send_templated_mail(
            f"registration/email/{template}",
            [person.email],
            {"organization": organization, "call": call, "person": person, **(extra or {})},
            language=person.preferred_language,
            reply_to=[call.contact_email] if call.contact_email else None,
        )
    return len(people)


def organizations_that_may_register(call: Call):
    return Organization.objects.filter(
        Q(applications__call=call, applications__status=Status.ACCREDITED)
        | Q(
            ecosoc_confirmations__call=call,
            ecosoc_confirmations__status=EcosocConfirmation.Status.CONFIRMED,
        )
    ).distinct()


def announce_open_registrations(now: datetime | None = None) -> int:
    """Mail the focal points of every organization that may register representatives for a
    call whose registration window is open, once per organization and call: those who could
    when it opened, and those who can since (accredited or confirmed later). Returns how many
    people were mailed.

    Run by the ``announce_registrations`` command every few minutes; running it again, or
    twice at once, mails nobody twice.
    """
    now = now or timezone.now()
    mailed = 0
    for call in Call.objects.published().registration_open(now).select_related("venue"):
        with transaction.atomic():
            # The call's row is the lock: a second run waits, then finds who was told.
            Call.objects.select_for_update().get(pk=call.pk)
            told = RegistrationAnnouncement.objects.filter(call=call).values("organization")
            for organization in organizations_that_may_register(call).exclude(pk__in=told):
                count = _mail_focal_points(organization, call, "registration_open")
                RegistrationAnnouncement.objects.create(
                    call=call, organization=organization, mailed_at=now, recipients=count
                )
                mailed += count
    return mailed
