"""The participants of a call: the representatives organizations registered for its meetings,
as the PGA office and administrators read, filter and download them.

Every view asks ``registration.permissions.can_see_participants`` first: anyone else signed
in gets 403, anyone signed out goes to sign in. The filters come in the address (GET), so that
a filtered list can be bookmarked, and its downloads carry the same filters.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from events.models import Call
from registration.permissions import can_see_participants

from .. import exports, selectors
from ..balance import Chart, draw_chart
from ..forms import ParticipantFilterForm

PER_PAGE = 100
CHART_SLUG = "participants-regional-groups"


def participants_only(view):
    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not can_see_participants(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _call_or_404(slug) -> Call:
    return get_object_or_404(Call.objects.select_related("venue"), slug=slug)


def _filter_form(request, call) -> ParticipantFilterForm:
    # Unbound without filters: no message for a first visit. The page number is no filter.
    data = request.GET.copy()
    data.pop("page", None)
    return ParticipantFilterForm(data or None, call=call)


@participants_only
def calls(request):
    """The calls whose participants can be listed: with representatives, or a window set."""
    return render(
        request,
        "reviews/office/participant_calls.html",
        {"calls": selectors.calls_with_participants()},
    )


def _regional_chart(summary: selectors.ParticipantSummary) -> Chart:
    title = _("Participants per UN regional group")
    count_heading = _("Participants")
    return Chart(
        slug=CHART_SLUG,
        title=title,
        label_heading=_("Regional group"),
        count_heading=count_heading,
        rows=summary.regional_groups,
        total=summary.total,
        svg=draw_chart(title, count_heading, summary.regional_groups, slug=CHART_SLUG),
    )


@participants_only
def participants(request, slug):
    call = _call_or_404(slug)
    form = _filter_form(request, call)
    representatives = selectors.participants(call, form.filters())
    summary = selectors.participant_summary(representatives)
    # get_page: a page number that is no number gives the first page, one past the end the
    # last.
    page = Paginator(selectors.participants_for_page(representatives), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = form.query()
    return render(
        request,
        "reviews/office/participants.html",
        {
            "call": call,
            "form": form,
            "summary": summary,
            "chart": _regional_chart(summary),
            "page": page,
            # 1 2 … 9 10 11 … 99 100: a thousand pages do not make a thousand links.
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_ends=1),
            "ellipsis": page.paginator.ELLIPSIS,
            "query": query,
            # The downloads hold the same participants as the page, every page of them.
            "downloads": {
                extension: reverse(
                    "reviews:office_participants_export", args=[call.slug, extension]
                )
                + (f"?{query}" if query else "")
                for extension in exports.PARTICIPANT_FORMATS
            },
            "timezone_name": call.venue.city,
            "pdf_too_long": _pdf_too_long(summary.total)
            if summary.total > settings.PARTICIPANT_PDF_MAX_ROWS
            else "",
        },
    )


@participants_only
def export(request, slug, file_format):
    if file_format not in exports.PARTICIPANT_FORMATS:
        raise Http404
    call = _call_or_404(slug)
    form = _filter_form(request, call)
    if form.is_bound and not form.is_valid():
        # A filter that is no choice: the page says which, by its field, rather than a file
        # holding more (or other) people than asked for.
        page = reverse("reviews:office_participants", args=[call.slug])
        return redirect(f"{page}?{request.GET.urlencode()}")
    if file_format == "pdf":
        count = selectors.participants(call, form.filters()).count()
        if count > settings.PARTICIPANT_PDF_MAX_ROWS:
            messages.error(request, _pdf_too_long(count))
            page = reverse("reviews:office_participants", args=[call.slug])
            return redirect(f"{page}?{request.GET.urlencode()}" if request.GET else page)
    return exports.participants_response(call, file_format, form.filters(), form.applied())


def _pdf_too_long(count: int) -> str:
    return _(
        "A PDF holds up to %(limit)s participants and these are %(count)s: narrow them with "
        "the filters (a meeting, a regional group), or download the XLSX or CSV file."
    ) % {"limit": intcomma(settings.PARTICIPANT_PDF_MAX_ROWS), "count": intcomma(count)}
