from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import Call

from . import permissions
from .models import (
    Application,
    Document,
    FocalPoint,
    Invitation,
    Organization,
    Status,
    StatusChange,
)


def organization_of(user: User) -> Organization | None:
    if not user.is_authenticated:
        return None
    membership = FocalPoint.objects.select_related("organization").filter(user=user).first()
    return membership.organization if membership else None


def open_invitations(user: User):
    return Invitation.objects.filter(email=user.email, accepted_at=None).select_related(
        "organization"
    )


def pending_invitations(organization: Organization):
    return organization.invitations.filter(accepted_at=None).order_by("created_at")


def applications_for_user(user) -> QuerySet[Application]:
    return (
        Application.objects.for_user(user)
        .select_related("call__venue", "organization")
        .prefetch_related(
            Prefetch("documents", queryset=Document.objects.current()),
            "call__meetings",
            "meetings",
        )
    )


def get_application_for_user(user, pk: int) -> Application:
    """An application of the person's own organization; 404 for missing and for not theirs alike."""
    application = (
        applications_for_user(user).prefetch_related("proposed_participants").filter(pk=pk).first()
    )
    if application is None:
        raise Http404
    return application


def get_document_for_user(user, public_id) -> Document:
    """A document for its organization's focal points and, once submitted, for staff who may
    see documents (reviewers, the PGA office), except what the applicant replaced or removed
    before submitting it; 404 for anyone else."""
    documents = Document.objects.select_related("application")
    if permissions.can_open_submitted_documents(user):
        documents = documents.seen_by_staff()
    else:
        documents = (
            documents.filter(application__organization__memberships__user=user)
            if user.is_authenticated
            else documents.none()
        )
    document = documents.filter(public_id=public_id).first()
    if document is None:
        raise Http404
    return document


def attach_open_requests(applications: list[Application]) -> list[Application]:
    """Set ``information_request`` on each application awaiting an answer, in one query."""
    waiting = [
        application.pk
        for application in applications
        if application.status == Status.INFORMATION_REQUESTED
    ]
    latest = {}
    for change in StatusChange.objects.filter(
        application_id__in=waiting, to_status=Status.INFORMATION_REQUESTED
    ).order_by("at", "pk"):
        latest[change.application_id] = change
    for application in applications:
        application.information_request = latest.get(application.pk)
    return applications


def open_calls_without_application(organization) -> list[Call]:
    """Open calls this organization can still apply to: not those it applied to, nor, for an
    organization in consultative status with ECOSOC, those only for organizations without."""
    calls = Call.objects.published().open().select_related("venue").order_by("deadline")
    if organization is None:
        return list(calls)
    if organization.in_ecosoc_status:
        calls = calls.exclude(eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS)
    return list(calls.exclude(applications__organization=organization))


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    text: str
    message: str = ""
    message_label: str = ""


def _history_text(change: StatusChange) -> tuple[str, str]:
    """What a step means to the applicant, and what to call its message."""
    before, after = change.from_status, change.to_status
    if after == Status.SUBMITTED:
        if before == Status.INFORMATION_REQUESTED:
            return _("Your answer was received and the application submitted again."), _(
                "Your answer"
            )
        return _("The application was submitted."), ""
    if after == Status.INFORMATION_REQUESTED:
        return _("The reviewers asked for more information."), _("Their request")
    if after == Status.UNDER_REVIEW:
        if before in {Status.RECOMMENDED, Status.NOT_RECOMMENDED}:
            return _("The decision was reopened: the application is under review again."), _(
                "Message from the reviewers"
            )
        return _("The review started."), ""
    if after == Status.RECOMMENDED:
        return _(
            "The reviewers recommended the application for the list submitted to Member States."
        ), _("Message from the reviewers")
    if after == Status.NOT_RECOMMENDED:
        return _("The reviewers did not recommend the application."), _(
            "Message from the reviewers"
        )
    if after == Status.WITHDRAWN:
        return _("The application was withdrawn."), ""
    if after == Status.ACCREDITED:
        return _("The organization is accredited."), _("Message")
    if after == Status.NOT_ACCREDITED:
        return _("The organization is not accredited."), _("Message")
    return str(Status(after).label), ""


def history_for_applicant(application: Application) -> list[HistoryEntry]:
    """The application's history as its focal points may read it: every step, with the
    messages meant for them and their own answers; never staff's internal notes."""
    entries = []
    for change in application.history.order_by("at", "pk"):
        text, message_label = _history_text(change)
        message = change.message if message_label else ""
        if change.to_status == Status.INFORMATION_REQUESTED and change.answer_by:
            text = f"{text} " + _("Answer by %(date)s.") % {
                "date": date_format(change.answer_by, "j F Y")
            }
        entries.append(HistoryEntry(change.at, text, message, message_label if message else ""))
    return entries


def latest_answer(application: Application) -> StatusChange | None:
    """The resubmission that answered the latest request, if the last submission was one."""
    latest = application.history.filter(to_status=Status.SUBMITTED).order_by("-at", "-pk").first()
    if latest is None or latest.from_status != Status.INFORMATION_REQUESTED:
        return None
    return latest


def latest_request(application: Application) -> StatusChange | None:
    """The request for information the applicant is answering, if any."""
    if application.status != Status.INFORMATION_REQUESTED:
        return None
    return (
        application.history.filter(to_status=Status.INFORMATION_REQUESTED)
        .order_by("-at", "-pk")
        .first()
    )
