"""The staff side's steps: review steps on applications, internal notes, the ECOSOC list.

An application's status still changes only through ``accreditation.services.transition``;
the steps here check who may take them and which step applies, then call it.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail import send_templated_mail
from accounts.models import User
from accounts.roles import MEMBER_STATE_DELEGATES, role_of
from accreditation.models import Application, EcosocOrganization, StaffNote, Status
from accreditation.names import homepage_domain, normalize_name
from accreditation.permissions import is_visible_to_staff
from accreditation.services import NotAllowed, mail_focal_points, transition
from events.models import Call

from . import permissions, selectors
from .models import (
    InformationRequest,
    ListEntry,
    ListEvent,
    MemberStateList,
    Objection,
    SharedItem,
)

__all__ = ["NotAllowed"]  # refusals are accreditation's one exception, raised here too


# Review steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewAction:
    name: str
    label: str
    target: str
    sources: frozenset
    needs_message: bool = False
    needs_reason: bool = False
    # Whether it may be taken on many applications at once from the list.
    in_bulk: bool = False


REVIEW_ACTIONS = {
    action.name: action
    for action in [
        ReviewAction(
            "start_review",
            gettext_lazy("Start review"),
            Status.UNDER_REVIEW,
            frozenset({Status.SUBMITTED}),
            in_bulk=True,
        ),
        ReviewAction(
            "request_information",
            gettext_lazy("Request more information"),
            Status.INFORMATION_REQUESTED,
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW}),
            needs_message=True,
        ),
        ReviewAction(
            "recommend",
            gettext_lazy("Recommend"),
            Status.RECOMMENDED,
            frozenset({Status.UNDER_REVIEW}),
            in_bulk=True,
        ),
        ReviewAction(
            "not_recommend",
            gettext_lazy("Do not recommend"),
            Status.NOT_RECOMMENDED,
            # Also when the applicant never answers a request.
            frozenset({Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED}),
            needs_reason=True,
        ),
        ReviewAction(
            "reopen",
            gettext_lazy("Reopen"),
            Status.UNDER_REVIEW,
            frozenset({Status.RECOMMENDED, Status.NOT_RECOMMENDED}),
        ),
    ]
}
# Steps that tell the applicant something by mail.
MAILED_ACTIONS = {"request_information", "recommend", "not_recommend", "reopen"}


def available_actions(application: Application) -> list[ReviewAction]:
    return [action for action in REVIEW_ACTIONS.values() if application.status in action.sources]


def review(
    *,
    application: Application,
    action: str,
    by: User,
    message: str = "",
    internal_reason: str = "",
    answer_by: date | None = None,
    now: datetime | None = None,
) -> Application:
    """Take one review step on an application, as a reviewer.

    The row is locked first, so two reviewers acting at once are serialized:
    the second sees the first one's result and is refused if its step no
    longer applies.
    """
    step = REVIEW_ACTIONS[action]
    if not permissions.can_review(by):
        raise NotAllowed(_("Only reviewers can take review steps."))
    message, internal_reason = message.strip(), internal_reason.strip()
    if step.needs_message and not message:
        raise NotAllowed(_("Write the message the applicant will receive."))
    if step.needs_reason and not internal_reason:
        raise NotAllowed(_("Give the internal reason for not recommending."))
    if answer_by is not None and action != "request_information":
        answer_by = None
    if answer_by is not None and answer_by <= timezone.localdate(now):
        raise NotAllowed(_("The date for the answer must be after today."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in step.sources:
            raise NotAllowed(
                _("“%(action)s” is not possible: the application is now “%(status)s”.")
                % {"action": step.label, "status": Status(application.status).label}
            )
        if (
            action == "reopen"
            and application.list_entries.filter(
                list__status__in=[
                    MemberStateList.Status.DRAFT,
                    MemberStateList.Status.CIRCULATED,
                ]
            ).exists()
        ):
            raise NotAllowed(
                _(
                    "The application is on the list for Member States: the PGA office takes "
                    "it off the list first."
                )
            )
        transition(
            application=application,
            to=step.target,
            by=by,
            note=internal_reason,
            message=message,
            answer_by=answer_by,
            now=now,
        )
        if action in MAILED_ACTIONS:
            mail_focal_points(
                application,
                f"accreditation/email/{action}",
                message=message,
                extra={"answer_by": answer_by},
            )
    return application


def add_staff_note(*, application: Application, by: User, text: str) -> StaffNote:
    if not permissions.can_add_staff_notes(by):
        raise NotAllowed(_("Only reviewers and the PGA office can add internal notes."))
    if not is_visible_to_staff(application):
        raise NotAllowed(_("A draft cannot be annotated."))
    return StaffNote.objects.create(
        application=application, author=by, role=role_of(by), text=text.strip()
    )


# The ECOSOC list ------------------------------------------------------------------


@dataclass(frozen=True)
class EcosocImport:
    imported: int
    skipped: int


# The column headers as UN DESA's lists and people's spreadsheets spell them, compared
# without case, surrounding spaces or a byte order mark.
ECOSOC_COLUMNS = {
    "name": {
        "name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "name of organization",
        "name of organisation",
    },
    "country": {"country", "country/area", "country or area"},
    "status": {"status", "consultative status"},
    "homepage": {"homepage", "home page", "website", "web site", "url"},
}


def _ecosoc_header_key(column: str | None) -> str:
    key = " ".join((column or "").replace("\ufeff", "").casefold().split())
    return key.replace(" / ", "/")


def _read_ecosoc_list(text: str) -> tuple[list[EcosocOrganization], int]:
    """The rows of a CSV as published by UN DESA (name, country, status[, homepage]), and
    how many were left out for want of a name; NotAllowed says what is wrong with a file."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise NotAllowed(
            _("Line %(line)d holds a NUL character: the file is not a plain-text CSV file.")
            % {"line": line}
        )
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error:
        header = []
    columns = {}
    for column in header:
        key = _ecosoc_header_key(column)
        for field, spellings in ECOSOC_COLUMNS.items():
            if key in spellings:
                columns.setdefault(field, column)
    if "name" not in columns:
        raise NotAllowed(
            _("The file has no “name” column. Expected columns: name, country, status.")
        )
    try:
        return _ecosoc_rows(reader, columns)
    except csv.Error as error:
        raise NotAllowed(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num}
        ) from error


def ecosoc_list_version() -> str:
    """Changes whenever the list is replaced (each import adds rows with new keys)."""
    last = EcosocOrganization.objects.order_by("-pk").values_list("pk", flat=True).first()
    return f"{EcosocOrganization.objects.count()}:{last or 0}"


def import_ecosoc_list(*, text: str, expected_version: str | None = None) -> EcosocImport:
    """Replace the ECOSOC list with a CSV as published by UN DESA (name, country, status[, homepage]).

    ``expected_version``: the list's version when the change was previewed; if the list was
    replaced since, nothing is done and NotAllowed says so.
    """
    rows, skipped = _read_ecosoc_list(text)
    with transaction.atomic():
        if expected_version is not None:
            # Waits for an import replacing a non-empty list at the same moment.
            EcosocOrganization.objects.select_for_update().order_by("-pk").first()
            if ecosoc_list_version() != expected_version:
                raise NotAllowed(
                    _(
                        "The ECOSOC list was replaced since this preview. "
                        "Upload the file again to see what it would change now."
                    )
                )
        EcosocOrganization.objects.all().delete()
        EcosocOrganization.objects.bulk_create(rows, batch_size=1000)
    return EcosocImport(imported=len(rows), skipped=skipped)


ECOSOC_PREVIEW_NAMES = 10


@dataclass(frozen=True)
class EcosocPreview:
    """What an import would change, organizations compared by normalized name."""

    imported: int
    skipped: int
    added: int
    removed: int
    unchanged: int
    # Up to ECOSOC_PREVIEW_NAMES of each, in alphabetical order.
    added_names: list[str]
    removed_names: list[str]
    unchanged_names: list[str]
    version: str


def preview_ecosoc_list(*, text: str) -> EcosocPreview:
    """What ``import_ecosoc_list`` would do with this file; nothing is changed."""
    rows, skipped = _read_ecosoc_list(text)
    with transaction.atomic():
        version = ecosoc_list_version()
        current = list(EcosocOrganization.objects.values_list("normalized_name", "name"))

    def key(normalized_name, name):
        return normalized_name or name.casefold()

    current_keys = {key(*pair) for pair in current}
    new_keys = set()
    added, unchanged = [], []
    for row in rows:
        row_key = key(row.normalized_name, row.name)
        new_keys.add(row_key)
        (unchanged if row_key in current_keys else added).append(row.name)
    removed = [
        name for normalized_name, name in current if key(normalized_name, name) not in new_keys
    ]

    def first(names):
        return sorted(names, key=str.casefold)[:ECOSOC_PREVIEW_NAMES]

    return EcosocPreview(
        imported=len(rows),
        skipped=skipped,
        added=len(added),
        removed=len(removed),
        unchanged=len(unchanged),
        added_names=first(added),
        removed_names=first(removed),
        unchanged_names=first(unchanged),
        version=version,
    )


def _ecosoc_rows(reader, columns) -> tuple[list[EcosocOrganization], int]:
    """``columns``: the header of each column read (name, country, status, homepage)."""
    rows, skipped = [], 0
    for row in reader:
        values = {
            field: (row.get(columns[field], "") if field in columns else "") or ""
            for field in ("name", "country", "status", "homepage")
        }
        values = {field: value.strip() for field, value in values.items()}
        if not values["name"]:
            skipped += 1
            continue
        for column in ("name", "country", "status"):
            limit = EcosocOrganization._meta.get_field(column).max_length
            if len(values[column]) > limit:
                raise NotAllowed(
                    _("Line %(line)d: the %(column)s is longer than %(limit)d characters.")
                    % {"line": reader.line_num, "column": column, "limit": limit}
                )
        rows.append(
            EcosocOrganization(
                name=values["name"],
                normalized_name=normalize_name(values["name"])[:300],
                country=values["country"],
                status=values["status"],
                homepage_domain=homepage_domain(values["homepage"])[:253],
            )
        )
    return rows, skipped


# Lists for Member States ------------------------------------------------------------


def _record(member_state_list, kind, *, by, application=None, now=None, **fields) -> ListEvent:
    return ListEvent.objects.create(
        list=member_state_list,
        kind=kind,
        application=application,
        actor=by,
        role=role_of(by),
        at=now or timezone.now(),
        **fields,
    )


def _check_office(by: User) -> None:
    if not permissions.can_draw_up_lists(by):
        raise NotAllowed(_("Only the PGA office draws up the lists for Member States."))


def _locked(member_state_list: MemberStateList) -> MemberStateList:
    return (
        MemberStateList.objects.select_for_update()
        .select_related("call")
        .get(pk=member_state_list.pk)
    )


def _check_draft(member_state_list: MemberStateList) -> None:
    if member_state_list.status != MemberStateList.Status.DRAFT:
        raise NotAllowed(
            _(
                "This version was circulated: its entries no longer change. Start a new "
                "version to change the list."
            )
        )


def draft_list(*, call: Call, by: User) -> MemberStateList:
    """The call's draft list; a new one (version 1, or a copy of the last version) if none.

    A finalized list is final: no new version is started after it.
    """
    _check_office(by)
    with transaction.atomic():
        # The call's row serializes two office members starting a draft at once.
        Call.objects.select_for_update().get(pk=call.pk)
        lists = MemberStateList.objects.filter(call=call)
        if draft := lists.filter(status=MemberStateList.Status.DRAFT).first():
            return draft
        if lists.filter(status=MemberStateList.Status.FINALIZED).exists():
            raise NotAllowed(_("The list of this call is finalized."))
        # A new version starts from the last one that went to Member States (or its draft).
        last = lists.exclude(status=MemberStateList.Status.DISCARDED).order_by("-version").first()
        draft = MemberStateList.objects.create(call=call, version=(last.version + 1) if last else 1)
        if last is not None:
            _copy_entries(last, draft)
            _record(draft, ListEvent.Kind.NEW_VERSION, by=by)
        return draft


def _copy_entries(source: MemberStateList, target: MemberStateList) -> None:
    """A new version starts as the last one was: its entries, as they were put on the list,
    and what is shared. (Objections and requests are carried over when it is circulated:
    Member States go on acting on the circulated version until then.)"""
    ListEntry.objects.bulk_create(
        ListEntry(
            list=target,
            application_id=entry.application_id,
            organization_name=entry.organization_name,
            country=entry.country,
            homepage=entry.homepage,
            homepage_shared=entry.homepage_shared,
            reason_shared=entry.reason_shared,
            added_at=entry.added_at,
        )
        for entry in source.entries.all()
    )


def _carry_over(previous: MemberStateList, current: MemberStateList) -> None:
    """What Member States did on the version being replaced stays theirs on the new one:
    standing objections, requests, and what the office shared since the copy."""
    entries = {entry.application_id: entry for entry in current.entries.all()}
    for old in previous.entries.prefetch_related("objections", "information_requests"):
        new = entries.get(old.application_id)
        if new is None:
            continue
        if (old.homepage_shared and not new.homepage_shared) or (
            old.reason_shared and not new.reason_shared
        ):
            new.homepage_shared |= old.homepage_shared
            new.reason_shared |= old.reason_shared
            new.save(update_fields=["homepage_shared", "reason_shared"])
        Objection.objects.bulk_create(
            Objection(
                entry=new,
                member_state=objection.member_state,
                delegate_id=objection.delegate_id,
                reason=objection.reason,
                lodged_at=objection.lodged_at,
            )
            for objection in old.objections.all()
            if objection.withdrawn_at is None
        )
        InformationRequest.objects.bulk_create(
            InformationRequest(
                entry=new,
                item=request.item,
                member_state=request.member_state,
                delegate_id=request.delegate_id,
                requested_at=request.requested_at,
            )
            for request in old.information_requests.all()
        )


def add_to_list(
    *, member_state_list: MemberStateList, application: Application, by: User
) -> ListEntry:
    _check_office(by)
    with transaction.atomic():
        member_state_list = _locked(member_state_list)
        _check_draft(member_state_list)
        # Locked: a reviewer reopening it at the same moment waits, then finds it listed.
        application = (
            Application.objects.select_for_update()
            .select_related("organization")
            .get(pk=application.pk)
        )
        if (
            application.call_id != member_state_list.call_id
            or application.status != Status.RECOMMENDED
        ):
            raise NotAllowed(_("Only applications recommended under this call go on its list."))
        organization = application.organization
        entry, created = ListEntry.objects.get_or_create(
            list=member_state_list,
            application=application,
            defaults={
                "organization_name": organization.name,
                "country": organization.country,
                "homepage": organization.homepage,
            },
        )
        if created:
            _record(member_state_list, ListEvent.Kind.ADDED, by=by, application=application)
        return entry


def was_circulated(member_state_list: MemberStateList, application: Application) -> bool:
    """Whether an earlier version that went to Member States held this application."""
    return ListEntry.objects.filter(
        list__call_id=member_state_list.call_id,
        list__version__lt=member_state_list.version,
        list__circulated_at__isnull=False,
        application=application,
    ).exists()


def remove_from_list(
    *, member_state_list: MemberStateList, application: Application, by: User, reason: str = ""
) -> None:
    """Take an application off the draft. Taking off one that Member States were sent needs
    a reason, kept on the record with the list's versions."""
    _check_office(by)
    reason = reason.strip()
    with transaction.atomic():
        member_state_list = _locked(member_state_list)
        _check_draft(member_state_list)
        if was_circulated(member_state_list, application) and not reason:
            raise NotAllowed(
                _(
                    "This organization was on the list circulated to Member States: say why "
                    "it is taken off."
                )
            )
        if ListEntry.objects.filter(list=member_state_list, application=application).delete()[0]:
            _record(
                member_state_list,
                ListEvent.Kind.REMOVED,
                by=by,
                application=application,
                reason=reason,
            )


def leave_off(
    *, member_state_list: MemberStateList, application: Application, by: User, reason: str
) -> None:
    """Record why a recommended application is not on this version of the list."""
    _check_office(by)
    reason = reason.strip()
    if not reason:
        raise NotAllowed(_("Say why the organization is left off the list."))
    with transaction.atomic():
        member_state_list = _locked(member_state_list)
        _check_draft(member_state_list)
        if ListEntry.objects.filter(list=member_state_list, application=application).exists():
            raise NotAllowed(_("The organization is on the list: take it off first."))
        _record(
            member_state_list,
            ListEvent.Kind.LEFT_OFF,
            by=by,
            application=application,
            reason=reason,
        )


# Member States have weeks, not years: a deadline further ahead is a typing mistake.
MAX_OBJECTION_PERIOD = timedelta(days=366)


def circulate(
    *,
    member_state_list: MemberStateList,
    by: User,
    objection_deadline: datetime,
    now: datetime | None = None,
) -> MemberStateList:
    """Send the draft to Member States: its entries freeze, objections open until the
    deadline, every delegate is mailed, and the version it replaces is superseded."""
    _check_office(by)
    now = now or timezone.now()
    if objection_deadline <= now:
        raise NotAllowed(_("The deadline for objections must be in the future."))
    if objection_deadline > now + MAX_OBJECTION_PERIOD:
        raise NotAllowed(_("The deadline for objections must be within a year."))
    with transaction.atomic():
        member_state_list = _locked(member_state_list)
        _check_draft(member_state_list)
        if not member_state_list.entries.exists():
            raise NotAllowed(_("Add at least one organization before circulating the list."))
        if no_longer := list(
            member_state_list.entries.exclude(application__status=Status.RECOMMENDED)
        ):
            raise NotAllowed(
                _("No longer recommended, take them off the list first: %(names)s.")
                % {"names": ", ".join(entry.organization_name for entry in no_longer)}
            )
        if undecided := selectors.recommended_without_decision(member_state_list):
            raise NotAllowed(
                _(
                    "Decide on every recommended organization first: add it to the list or "
                    "say why it is left off (%(names)s)."
                )
                % {"names": ", ".join(str(item.organization) for item in undecided)}
            )
        # Locked: an objection lodged on it now waits, and is carried over below.
        previous = (
            MemberStateList.objects.select_for_update()
            .filter(call_id=member_state_list.call_id, status=MemberStateList.Status.CIRCULATED)
            .first()
        )
        if previous is not None:
            _carry_over(previous, member_state_list)
            previous.status = MemberStateList.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        member_state_list.status = MemberStateList.Status.CIRCULATED
        member_state_list.objection_deadline = objection_deadline
        member_state_list.circulated_at = now
        member_state_list.circulated_by = by
        member_state_list.save()
        _record(member_state_list, ListEvent.Kind.CIRCULATED, by=by, now=now)
        entry_count = member_state_list.entries.count()
        for delegate in delegates():
            with translation.override(delegate.preferred_language):
                deadline = selectors.deadline_words(member_state_list)
            send_templated_mail(
                "reviews/email/circulated",
                [delegate.email],
                {
                    "list": member_state_list,
                    "call": member_state_list.call,
                    "person": delegate,
                    "deadline": deadline,
                    "entry_count": entry_count,
                },
                language=delegate.preferred_language,
            )
    return member_state_list


def delegates():
    """Every Member State delegate who can sign in, with their Member State set."""
    return (
        User.objects.filter(groups__name=MEMBER_STATE_DELEGATES, is_active=True)
        .exclude(member_state="")
        .distinct()
    )


def _check_delegate(by: User) -> str:
    member_state = permissions.member_state_of(by)
    if not member_state:
        raise NotAllowed(_("Only Member State delegates take part in the lists."))
    return member_state


def _check_open(entry: ListEntry, now: datetime) -> MemberStateList:
    member_state_list = _locked(entry.list)
    if not member_state_list.takes_objections(now):
        raise NotAllowed(
            _("The deadline for this list has passed: %(deadline)s.")
            % {"deadline": selectors.deadline_words(member_state_list)}
            if member_state_list.objection_deadline and now >= member_state_list.objection_deadline
            else _("This list is not open to Member States' requests and objections.")
        )
    return member_state_list


def request_information(
    *, entry: ListEntry, item: str, by: User, now: datetime | None = None
) -> InformationRequest:
    """A delegate asks the office to share an entry's homepage or reason."""
    member_state = _check_delegate(by)
    now = now or timezone.now()
    with transaction.atomic():
        member_state_list = _check_open(entry, now)
        request, created = InformationRequest.objects.get_or_create(
            entry=entry,
            item=item,
            member_state=member_state,
            defaults={"delegate": by, "requested_at": now},
        )
        if created:
            _record(
                member_state_list,
                ListEvent.Kind.INFORMATION_REQUESTED,
                by=by,
                application=entry.application,
                member_state=member_state,
                item=item,
                now=now,
            )
    return request


def share(*, entry: ListEntry, item: str, by: User) -> None:
    """The office shares an entry's homepage or reason with every Member State."""
    _check_office(by)
    field = {SharedItem.HOMEPAGE: "homepage_shared", SharedItem.REASON: "reason_shared"}[item]
    with transaction.atomic():
        member_state_list = _locked(entry.list)
        if member_state_list.status not in {
            MemberStateList.Status.DRAFT,
            MemberStateList.Status.CIRCULATED,
        }:
            raise NotAllowed(_("This version of the list no longer changes."))
        if ListEntry.objects.filter(pk=entry.pk, **{field: False}).update(**{field: True}):
            _record(
                member_state_list,
                ListEvent.Kind.SHARED,
                by=by,
                application=entry.application,
                item=item,
            )


def lodge_objection(
    *, entry: ListEntry, by: User, reason: str = "", now: datetime | None = None
) -> Objection:
    member_state = _check_delegate(by)
    now = now or timezone.now()
    with transaction.atomic():
        member_state_list = _check_open(entry, now)
        if entry.objections.standing().filter(member_state=member_state).exists():
            raise NotAllowed(_("Your Member State already objects to this organization."))
        objection = Objection.objects.create(
            entry=entry,
            member_state=member_state,
            delegate=by,
            reason=reason.strip(),
            lodged_at=now,
        )
        _record(
            member_state_list,
            ListEvent.Kind.OBJECTED,
            by=by,
            application=entry.application,
            member_state=member_state,
            reason=objection.reason,
            now=now,
        )
    return objection


def withdraw_objection(*, entry: ListEntry, by: User, now: datetime | None = None) -> None:
    member_state = _check_delegate(by)
    now = now or timezone.now()
    with transaction.atomic():
        member_state_list = _check_open(entry, now)
        if (
            not entry.objections.standing()
            .filter(member_state=member_state)
            .update(withdrawn_at=now)
        ):
            raise NotAllowed(_("Your Member State has no objection to withdraw here."))
        _record(
            member_state_list,
            ListEvent.Kind.OBJECTION_WITHDRAWN,
            by=by,
            application=entry.application,
            member_state=member_state,
            now=now,
        )


def _outcomes(member_state_list: MemberStateList) -> dict[int, tuple[str, str]]:
    """Each recommended application of the call: accredited, or not and why. An entry with a
    standing objection is not accredited; nor is an application left off the list (with the
    reason recorded when it was left off or taken off)."""
    outcomes = {}
    for entry in member_state_list.entries.prefetch_related("objections"):
        objecting = sorted(
            {
                str(item.member_state.name)
                for item in entry.objections.all()
                if not item.withdrawn_at
            }
        )
        outcomes[entry.application_id] = (
            (
                Status.NOT_ACCREDITED,
                _("Objected to by: %(states)s.") % {"states": ", ".join(objecting)},
            )
            if objecting
            else (Status.ACCREDITED, "")
        )
    reasons = selectors.left_off(member_state_list)
    for application in selectors.recommended_applications(member_state_list.call):
        if application.pk not in outcomes:
            reason = reasons[application.pk].reason if application.pk in reasons else ""
            outcomes[application.pk] = (
                Status.NOT_ACCREDITED,
                _("Not on the list circulated to Member States: %(reason)s") % {"reason": reason},
            )
    return outcomes


@dataclass(frozen=True)
class Finalized:
    accredited: int
    not_accredited: int
    already: bool = False


def finalize(
    *, member_state_list: MemberStateList, by: User, now: datetime | None = None
) -> Finalized:
    """After the deadline: entries without a standing objection are accredited, the others
    not (the objecting Member States on the record); focal points are mailed.

    The list's row is locked: of two office members finalizing at once, the second finds it
    finalized and changes nothing.
    """
    _check_office(by)
    now = now or timezone.now()
    with transaction.atomic():
        member_state_list = _locked(member_state_list)
        if member_state_list.status == MemberStateList.Status.FINALIZED:
            return Finalized(0, 0, already=True)
        if member_state_list.status != MemberStateList.Status.CIRCULATED:
            raise NotAllowed(_("Only the version circulated to Member States can be finalized."))
        if not member_state_list.can_be_finalized(now):
            raise NotAllowed(
                _("Member States may object until %(deadline)s: finalize after that.")
                % {"deadline": selectors.deadline_words(member_state_list)}
            )
        # A new version still being drafted is never circulated now: set aside, on the record.
        for draft in MemberStateList.objects.select_for_update().filter(
            call_id=member_state_list.call_id, status=MemberStateList.Status.DRAFT
        ):
            draft.status = MemberStateList.Status.DISCARDED
            draft.save(update_fields=["status"])
        accredited = not_accredited = 0
        # The record is read by staff of every language: the Member States in one of them.
        with translation.override(settings.LANGUAGE_CODE):
            outcomes = _outcomes(member_state_list)
        for application_id, (to, note) in outcomes.items():
            application = Application.objects.select_for_update().get(pk=application_id)
            if application.status != Status.RECOMMENDED:
                continue
            transition(application=application, to=to, by=by, note=note, now=now)
            if to == Status.ACCREDITED:
                mail_focal_points(application, "accreditation/email/accredited")
                accredited += 1
            else:
                mail_focal_points(application, "accreditation/email/not_accredited")
                not_accredited += 1
        member_state_list.status = MemberStateList.Status.FINALIZED
        member_state_list.finalized_at = now
        member_state_list.finalized_by = by
        member_state_list.save()
        _record(member_state_list, ListEvent.Kind.FINALIZED, by=by, now=now)
    return Finalized(accredited, not_accredited)
