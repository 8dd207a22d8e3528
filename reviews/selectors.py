"""What the staff side reads: the screening list, matches with the ECOSOC list and other
organizations, what changed between submissions, an application's timeline."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import User
from accreditation.models import (
    Application,
    Document,
    EcosocOrganization,
    Gender,
    Organization,
    Status,
)
from events import timefmt
from events.models import Call, Meeting
from registration.models import Representative

from . import permissions
from .balance import Tally
from .models import InformationRequest, ListEntry, ListEvent, MemberStateList, Objection
from .regional_groups import GROUPS, MEMBER_STATES, RegionalGroup, regional_group


def same_organization(normalized_name, domain) -> Q:
    """Rows with this normalized name or homepage domain; an empty value matches nothing.

    The values may be ``OuterRef``s: the applications list annotates every row with it.
    """
    return (Q(normalized_name=normalized_name) & ~Q(normalized_name="")) | (
        Q(homepage_domain=domain) & ~Q(homepage_domain="")
    )


def ecosoc_matches(organization: Organization) -> QuerySet[EcosocOrganization]:
    return EcosocOrganization.objects.filter(
        same_organization(organization.normalized_name, organization.homepage_domain)
    )


def likely_duplicates(organization: Organization) -> QuerySet[Organization]:
    """Other organizations with the same normalized name or homepage domain.

    A name that differs by an acronym in brackets is the same name once normalized. An
    acronym alone is no sign: many organizations share three letters.
    """
    return Organization.objects.filter(
        same_organization(organization.normalized_name, organization.homepage_domain)
    ).exclude(pk=organization.pk)


def applications_for_screening(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Submitted applications with what the screening list shows of each: its current
    documents counted, and whether it matches the ECOSOC list or another organization."""
    other_organizations = Organization.objects.exclude(pk=OuterRef("organization_id"))
    matching = same_organization(
        OuterRef("organization__normalized_name"), OuterRef("organization__homepage_domain")
    )
    current_documents = (
        Document.objects.current()
        .filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        applications.submitted()
        .select_related("organization", "call__venue")
        .annotate(
            # A subquery, not a join and GROUP BY: counted for the rows on the page.
            _documents=Coalesce(Subquery(current_documents), 0),
            _ecosoc_match=Exists(EcosocOrganization.objects.filter(matching)),
            _duplicate=Exists(other_organizations.filter(matching)),
        )
    )


def people_mailed(applications) -> int:
    """How many people a mailed step on these applications writes to: their focal points."""
    organizations = {application.organization_id for application in applications}
    return User.objects.filter(organizations__in=organizations, is_active=True).distinct().count()


def changes_since_previous_submission(application: Application) -> list[str]:
    """In words, what the applicant changed in answer to a request for information."""
    submissions = list(
        application.history.filter(to_status=Status.SUBMITTED).order_by("-at", "-pk")[:2]
    )
    if len(submissions) < 2:
        return []
    now, before = submissions[0].snapshot, submissions[1].snapshot
    changes = []
    if now.get("reason") != before.get("reason"):
        changes.append(_("The reason for participation was changed."))
    if now.get("meetings") != before.get("meetings"):
        changes.append(_("The meetings of interest were changed."))
    # Snapshots taken before people were named have no such key: no change to tell.
    if (
        "participants" in now
        and "participants" in before
        and (now["participants"] != before["participants"])
    ):
        changes.append(_("The people proposed to send were changed."))
    old_documents, new_documents = before.get("documents", {}), now.get("documents", {})
    for key, document in new_documents.items():
        if key not in old_documents:
            changes.append(_("New document: %(name)s") % {"name": _document_label(document)})
        elif old_documents[key]["sha256"] != document["sha256"]:
            changes.append(
                _("Document changed: %(name)s (was %(old)s)")
                % {
                    "name": _document_label(document),
                    "old": _document_label(old_documents[key]),
                }
            )
    for key in old_documents.keys() - new_documents.keys():
        changes.append(
            _("Document no longer attached: %(name)s")
            % {"name": _document_label(old_documents[key])}
        )
    return changes


def _document_label(entry: dict) -> str:
    """“Proof of legal status: statutes.pdf”, in the reader's language."""
    return _("%(kind)s: %(name)s") % {
        "kind": Document.Kind(entry["kind"]).label,
        "name": entry["name"],
    }


def timeline(user, application: Application) -> list[tuple]:
    """Everything that happened to the application, oldest first, as far as the role sees:
    ``(kind, at, entry)`` with kind "status", "document", "note" or "list"."""
    entries = []
    if permissions.can_read_status_history(user):
        entries += [
            ("status", change.at, change) for change in application.history.select_related("actor")
        ]
    if permissions.can_read_document_record(user):
        entries += [
            ("document", event.at, event)
            for event in application.document_events.select_related("actor", "document")
        ]
    if permissions.can_read_internal_notes(user):
        entries += [
            ("note", note.at, note) for note in application.staff_notes.select_related("author")
        ]
    if permissions.can_draw_up_lists(user):
        # What happened to it on the lists for Member States (objections with their Member
        # State and reason): the office's to read.
        entries += [
            ("list", event.at, event)
            for event in application.list_events.select_related("actor", "list")
        ]
    return sorted(entries, key=lambda entry: entry[1])


# Lists for Member States -----------------------------------------------------------------


def recommended_applications(call) -> QuerySet[Application]:
    return (
        Application.objects.filter(call=call, status=Status.RECOMMENDED)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def left_off(member_state_list) -> dict[int, ListEvent]:
    """Applications decided off the list, with the latest record saying why: left off, or
    taken off with a reason, on this version or an earlier one (a decision stands in the
    versions after it until the application is added again)."""
    events = (
        ListEvent.objects.filter(
            list__call_id=member_state_list.call_id,
            list__version__lte=member_state_list.version,
            application__isnull=False,
        )
        .filter(Q(kind=ListEvent.Kind.LEFT_OFF) | Q(kind=ListEvent.Kind.REMOVED, reason__gt=""))
        .order_by("at", "pk")
    )
    return {event.application_id: event for event in events}


def recommended_not_on_list(member_state_list) -> list[Application]:
    on_list = set(member_state_list.entries.values_list("application_id", flat=True))
    return [
        application
        for application in recommended_applications(member_state_list.call)
        if application.pk not in on_list
    ]


def recommended_without_decision(member_state_list) -> list[Application]:
    """Recommended applications of the call neither on this version nor left off it."""
    decided = left_off(member_state_list)
    return [
        application
        for application in recommended_not_on_list(member_state_list)
        if application.pk not in decided
    ]


def entries_for_office(member_state_list) -> QuerySet[ListEntry]:
    """Every entry with its organization, requests and objections (every Member State's)."""
    return member_state_list.entries.select_related(
        "application__organization", "application__call"
    ).prefetch_related(
        Prefetch("objections", queryset=Objection.objects.select_related("delegate")),
        "information_requests",
        "application__proposed_participants",
    )


def entries_for_delegate(member_state_list, member_state: str) -> QuerySet[ListEntry]:
    """Every entry, with only this Member State's own objections and requests."""
    return member_state_list.entries.select_related("application").prefetch_related(
        Prefetch(
            "objections",
            queryset=Objection.objects.filter(member_state=member_state),
            to_attr="own_objections",
        ),
        Prefetch(
            "information_requests",
            queryset=InformationRequest.objects.filter(member_state=member_state),
            to_attr="own_requests",
        ),
    )


def open_information_requests(member_state_list) -> list[InformationRequest]:
    """What delegates asked for that is not shared yet: the office's to-do."""
    if member_state_list.status not in {
        MemberStateList.Status.DRAFT,
        MemberStateList.Status.CIRCULATED,
    }:
        return []  # a version that no longer changes: nothing left to share on it
    requests = InformationRequest.objects.filter(entry__list=member_state_list).select_related(
        "entry"
    )
    return [request for request in requests if not getattr(request.entry, f"{request.item}_shared")]


@dataclass(frozen=True)
class VersionChange:
    organization: str
    change: str


def compare_versions(older, newer) -> list[VersionChange]:
    """Entry by entry, what the newer version changed: added, taken off, shared."""
    before = {entry.application_id: entry for entry in older.entries.all()}
    after = {entry.application_id: entry for entry in newer.entries.all()}
    changes = []
    for application_id, entry in after.items():
        name = entry.organization_name
        if application_id not in before:
            changes.append(VersionChange(name, _("Added")))
            continue
        previous = before[application_id]
        if entry.homepage_shared and not previous.homepage_shared:
            changes.append(VersionChange(name, _("Homepage shared")))
        if entry.reason_shared and not previous.reason_shared:
            changes.append(VersionChange(name, _("Reason shared")))
    for application_id in before.keys() - after.keys():
        changes.append(VersionChange(before[application_id].organization_name, _("Taken off")))
    return sorted(changes, key=lambda change: (change.organization.casefold(), change.change))


def list_timeline(member_state_list) -> QuerySet[ListEvent]:
    """The record of every version of the call's list, oldest first."""
    return (
        ListEvent.objects.filter(list__call_id=member_state_list.call_id)
        .select_related("actor", "application__organization", "list")
        .order_by("at", "pk")
    )


def accredited_organizations(call) -> QuerySet[Application]:
    """For the public page: the organizations accredited under a call, by name."""
    return (
        Application.objects.filter(call=call, status=Status.ACCREDITED)
        .select_related("organization")
        .order_by("organization__name")
    )


def deadline_words(member_state_list: MemberStateList) -> str:
    """The deadline for objections in the call's venue's time zone, with UTC beside it."""
    call, deadline = member_state_list.call, member_state_list.objection_deadline
    local = timefmt.in_zone(deadline, call.tzinfo, call.venue.city)
    return f"{local} ({timefmt.in_utc(deadline)})"


def latest_circulated_lists(member_state: str) -> list[MemberStateList]:
    """For each call, the latest version that went to Member States, with its number of
    entries and of this Member State's standing objections; the most recent first."""
    standing_own = Q(
        entries__objections__member_state=member_state,
        entries__objections__withdrawn_at=None,
    )
    lists = (
        MemberStateList.objects.circulated()
        .select_related("call__venue")
        .annotate(
            entry_count=Count("entries", distinct=True),
            own_objection_count=Count("entries__objections", filter=standing_own, distinct=True),
        )
        .order_by("call_id", "-version")
    )
    latest = {}
    for member_state_list in lists:
        latest.setdefault(member_state_list.call_id, member_state_list)
    for member_state_list in latest.values():
        member_state_list.deadline = deadline_words(member_state_list)
        member_state_list.open = member_state_list.takes_objections()
    return sorted(latest.values(), key=lambda item: item.circulated_at, reverse=True)


# Participants: the representatives organizations registered for a call's meetings -----------


@dataclass(frozen=True)
class ParticipantFilters:
    """What the participant list is narrowed to; ``None`` (or "") is everyone."""

    meeting: Meeting | None = None
    regional_group: str = ""
    organization_type: str = ""
    gender: str = ""
    organization: Organization | None = None


def calls_with_participants() -> QuerySet[Call]:
    """Calls whose representatives the office may want to see: those with representatives, or
    whose registration window is set; each with ``participant_count``, the latest first."""
    return (
        Call.objects.annotate(participant_count=Count("representatives"))
        .filter(Q(participant_count__gt=0) | Q(registration_opens_at__isnull=False))
        .select_related("venue")
        .order_by("-deadline", "pk")
    )


def organizations_with_participants(call) -> QuerySet[Organization]:
    """The organizations with at least one representative registered for the call, by name."""
    return (
        Organization.objects.filter(
            Exists(Representative.objects.filter(call=call, organization=OuterRef("pk")))
        )
        .only("pk", "name", "acronym")
        .order_by("name", "pk")
    )


def participants(call, filters: ParticipantFilters | None = None) -> QuerySet[Representative]:
    """The call's representatives narrowed by the filters, by organization then name.

    A participant's regional group is that of their organization's country of headquarters
    (not their nationality): the groups are filtered on the organization's country.
    """
    filters = filters or ParticipantFilters()
    representatives = Representative.objects.filter(call=call)
    if filters.meeting is not None:
        # Exists, not a join: a representative attending several meetings is one row.
        representatives = representatives.filter(
            Exists(
                Representative.meetings.through.objects.filter(
                    representative=OuterRef("pk"), meeting=filters.meeting
                )
            )
        )
    if filters.regional_group == RegionalGroup.OTHER:
        representatives = representatives.exclude(organization__country__in=list(MEMBER_STATES))
    elif filters.regional_group:
        representatives = representatives.filter(
            organization__country__in=countries_of_group(filters.regional_group)
        )
    if filters.organization_type:
        representatives = representatives.filter(organization__type=filters.organization_type)
    if filters.gender:
        representatives = representatives.filter(gender=filters.gender)
    if filters.organization is not None:
        representatives = representatives.filter(organization=filters.organization)
    return representatives.order_by("organization__name", "organization_id", "full_name", "pk")


def countries_of_group(group: str) -> list[str]:
    """The Member States in a regional group (none for "no group" or "other")."""
    return sorted(code for code, member_of in MEMBER_STATES.items() if member_of == group)


def participants_for_page(representatives: QuerySet[Representative]) -> QuerySet[Representative]:
    """What a row of the participant table shows: the organization and the meetings."""
    return representatives.select_related("organization").prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.order_by("start_date", "title", "pk"))
    )


@dataclass(frozen=True)
class ParticipantSummary:
    """How many participants, per gender and per regional group, as ``balance.Tally`` rows.

    Genders: every answer, zeros included. Regional groups: the five always, then "no
    regional group" and "other (not a Member State)" when a participant is in one.
    """

    total: int
    genders: tuple[Tally, ...]
    regional_groups: tuple[Tally, ...]

    def gender(self, key: str) -> Tally:
        return next(row for row in self.genders if row.key == key)

    @property
    def women(self) -> Tally:
        return self.gender(Gender.FEMALE)

    @property
    def men(self) -> Tally:
        return self.gender(Gender.MALE)


def participant_summary(representatives: QuerySet[Representative]) -> ParticipantSummary:
    """The summary of these representatives, in one query whatever their number.

    Labels are in the active language.
    """
    counts = (
        representatives.order_by()
        .values_list("organization__country", "gender")
        .annotate(number=Count("pk"))
    )
    by_group: Counter[str] = Counter()
    by_gender: Counter[str] = Counter()
    for country, gender, number in counts:
        by_group[regional_group(country)] += number
        by_gender[gender] += number
    total = sum(by_gender.values())
    group_keys = [*GROUPS, *(g for g in (RegionalGroup.NONE, RegionalGroup.OTHER) if by_group[g])]
    gender_keys = [*Gender.values, *sorted(set(by_gender) - set(Gender.values))]
    return ParticipantSummary(
        total=total,
        genders=tuple(
            Tally(key, _label(Gender, key), by_gender[key], total) for key in gender_keys
        ),
        regional_groups=tuple(
            Tally(str(group), str(RegionalGroup(group).label), by_group[group], total)
            for group in group_keys
        ),
    )


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value
