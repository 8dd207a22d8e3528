from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from .models import Call, Meeting
from .permissions import can_see_unpublished_calls


def _with_details(calls: QuerySet[Call]) -> QuerySet[Call]:
    return calls.select_related("venue").prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.select_related("venue"))
    )


@dataclass(frozen=True)
class PublicCalls:
    open: list[Call]
    upcoming: list[Call]
    closed: list[Call]


def public_calls(*, at: datetime) -> PublicCalls:
    """Published calls as the home page lists them.

    Open calls first, the soonest deadline on top; then upcoming ones by
    opening; then past ones, the most recent first.
    """
    published = _with_details(Call.objects.published())
    return PublicCalls(
        open=list(published.open(at).order_by("deadline", "title")),
        upcoming=list(published.upcoming(at).order_by("opens_at", "title")),
        closed=list(published.closed(at).order_by("-deadline", "title")),
    )


def calls_visible_to(user) -> QuerySet[Call]:
    """Everyone sees published calls; staff also see drafts, to check them before publishing."""
    calls = _with_details(Call.objects.all())
    if can_see_unpublished_calls(user):
        return calls
    return calls.published()
