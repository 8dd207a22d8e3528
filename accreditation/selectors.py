from django.db.models import Prefetch, QuerySet
from django.http import Http404

from events.models import Call

from .models import Application, Document, Status, StatusChange


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
    application = applications_for_user(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def get_document_for_user(user, public_id) -> Document:
    """A document for its organization's focal points and, once submitted, for staff who may
    see documents (reviewers, the PGA office), except what the applicant replaced or removed
    before submitting it; 404 for anyone else."""
    documents = Document.objects.select_related("application")
    if user.is_authenticated and user.is_staff and user.has_perm("accreditation.view_document"):
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
    calls = Call.objects.published().open().select_related("venue").order_by("deadline")
    if organization is None:
        return list(calls)
    return list(calls.exclude(applications__organization=organization))
