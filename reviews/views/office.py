"""The PGA office's pages: drawing up a call's list, circulating it, finalizing it.

Every view asks ``permissions.can_draw_up_lists`` first: anyone else signed in gets 403.
Steps are POSTs that call ``reviews.services`` and come back to the list with a message.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accreditation.models import Application, Status
from accreditation.services import NotAllowed
from events.models import Call

from .. import exports, permissions, selectors, services
from ..balance import balance_of
from ..forms import CirculateForm, ListReasonForm
from ..models import ListEntry, MemberStateList, SharedItem


def office_only(view):
    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not permissions.can_draw_up_lists(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@office_only
def home(request):
    """The calls with recommended applications or a list, and where each list stands."""
    calls = (
        Call.objects.annotate(
            # distinct: the join with the lists' versions repeats each application.
            recommended=Count(
                "applications",
                filter=Q(applications__status=Status.RECOMMENDED),
                distinct=True,
            ),
            accredited=Count(
                "applications", filter=Q(applications__status=Status.ACCREDITED), distinct=True
            ),
            latest_version=Max("member_state_lists__version"),
        )
        .filter(Q(recommended__gt=0) | Q(latest_version__isnull=False))
        .select_related("venue")
        .order_by("-deadline")
    )
    latest = {
        (item.call_id, item.version): item
        for item in MemberStateList.objects.filter(call__in=calls)
    }
    rows = [(call, latest.get((call.pk, call.latest_version))) for call in calls]
    return render(request, "reviews/office/home.html", {"rows": rows})


def _working_version(call) -> MemberStateList | None:
    """The draft if there is one, else the latest version."""
    lists = MemberStateList.objects.filter(call=call)
    return lists.filter(status=MemberStateList.Status.DRAFT).first() or lists.first()


@office_only
def current_list(request, slug):
    call = get_object_or_404(Call, slug=slug)
    member_state_list = _working_version(call)
    if member_state_list is None:
        if request.method == "POST":
            try:
                services.draft_list(call=call, by=request.user)
            except NotAllowed as refusal:
                messages.error(request, refusal.message)
            return redirect("reviews:office_list", slug=call.slug)
        return render(
            request,
            "reviews/office/start.html",
            {"call": call, "recommended": selectors.recommended_applications(call)},
        )
    return _list_page(request, member_state_list)


@office_only
def version(request, pk):
    member_state_list = get_object_or_404(MemberStateList.objects.select_related("call"), pk=pk)
    return _list_page(request, member_state_list)


def _list_page(request, member_state_list, *, circulate_form=None, reason_form=None, status=200):
    call = member_state_list.call
    entries = list(selectors.entries_for_office(member_state_list))
    is_draft = member_state_list.status == MemberStateList.Status.DRAFT
    left_off = selectors.left_off(member_state_list)
    waiting = selectors.recommended_not_on_list(member_state_list) if is_draft else []
    # A refused reason is shown by its own row's field.
    for row in [*entries, *waiting]:
        application_pk = getattr(row, "application_id", row.pk)
        row.reason_error = (
            reason_form
            if reason_form is not None
            and reason_form.application_pk == application_pk
            and reason_form.row == ("remove" if isinstance(row, ListEntry) else "leave")
            else None
        )
    versions = list(MemberStateList.objects.filter(call=call).order_by("version"))
    now = timezone.now()
    if circulate_form is None:
        # Two weeks ahead, 18:00 at the venue, written as the venue reads it (not converted).
        initial = timezone.localtime(now + timedelta(days=14), call.tzinfo)
        circulate_form = CirculateForm(
            initial={"objection_deadline": initial.strftime("%Y-%m-%dT18:00")}
        )
    circulate_form.fields["objection_deadline"].help_text = _(
        "In %(place)s time, the call's principal venue."
    ) % {"place": call.venue.city}
    return render(
        request,
        "reviews/office/list.html",
        {
            "call": call,
            "list": member_state_list,
            "entries": entries,
            "is_draft": is_draft,
            "waiting": [(application, left_off.get(application.pk)) for application in waiting],
            "balance": balance_of(
                Application.objects.filter(pk__in=[entry.application_id for entry in entries])
            ),
            "requests": selectors.open_information_requests(member_state_list),
            "versions": versions,
            "previous": next(
                (item for item in reversed(versions) if item.version < member_state_list.version),
                None,
            ),
            "timeline": selectors.list_timeline(member_state_list),
            "circulate_form": circulate_form,
            "reason_error": reason_form,
            "deadline": selectors.deadline_words(member_state_list)
            if member_state_list.objection_deadline
            else "",
            "takes_objections": member_state_list.takes_objections(now),
            "can_finalize": member_state_list.can_be_finalized(now),
            "is_latest": member_state_list.version == versions[-1].version,
            "timezone_name": call.venue.city,
            # A page drawn after a refused POST: changing the language goes back to the list.
            "language_next": reverse("reviews:office_version", args=[member_state_list.pk]),
        },
        status=status,
    )


def _list_or_404(pk) -> MemberStateList:
    return get_object_or_404(MemberStateList.objects.select_related("call__venue"), pk=pk)


def _posted_pk(request, name) -> int:
    value = request.POST.get(name, "")
    # isascii: "²" is a digit to Python, and no number to int().
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return int(value)


def _application_of(request, member_state_list) -> Application:
    return get_object_or_404(
        Application.objects.select_related("organization"),
        pk=_posted_pk(request, "application"),
        call=member_state_list.call,
    )


def _back(member_state_list, row=""):
    """To the list's page; at the row acted on, so that the reader keeps their place."""
    address = reverse("reviews:office_version", args=[member_state_list.pk])
    return redirect(f"{address}#{row}" if row else address)


def _take(request, member_state_list, step, success, row=""):
    """Take a step; its refusal, or its success, told on the list's page."""
    try:
        step()
    except NotAllowed as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
    return _back(member_state_list, row)


@require_POST
@office_only
def add(request, pk):
    member_state_list = _list_or_404(pk)
    application = _application_of(request, member_state_list)
    return _take(
        request,
        member_state_list,
        lambda: services.add_to_list(
            member_state_list=member_state_list, application=application, by=request.user
        ),
        _("%(organization)s is on the list.") % {"organization": application.organization},
        row=f"entry-{application.pk}",
    )


def _with_reason(request, pk, row, step, success):
    """Leave off or take off, with the reason typed beside the organization: a refusal stands
    by that field, with what was typed, on the list's page (400), not at the page's top."""
    member_state_list = _list_or_404(pk)
    application = _application_of(request, member_state_list)
    form = ListReasonForm(request.POST, auto_id=f"{row}-reason-{application.pk}-%s")
    form.fields["reason"].label = _("Reason for %(organization)s") % {
        "organization": application.organization.name
    }
    if form.is_valid():
        try:
            step(member_state_list, application, form.cleaned_data["reason"])
        except NotAllowed as refusal:
            form.add_error("reason", refusal.message)
        else:
            messages.success(request, success % {"organization": application.organization})
            # Left off or taken off, it stands among the recommended ones not on the list.
            return _back(member_state_list, f"waiting-{application.pk}")
    form.row, form.application_pk = row, application.pk
    return _list_page(request, member_state_list, reason_form=form, status=400)


@require_POST
@office_only
def remove(request, pk):
    return _with_reason(
        request,
        pk,
        "remove",
        lambda member_state_list, application, reason: services.remove_from_list(
            member_state_list=member_state_list,
            application=application,
            by=request.user,
            reason=reason,
        ),
        _("%(organization)s is off the list."),
    )


@require_POST
@office_only
def leave_off(request, pk):
    return _with_reason(
        request,
        pk,
        "leave",
        lambda member_state_list, application, reason: services.leave_off(
            member_state_list=member_state_list,
            application=application,
            by=request.user,
            reason=reason,
        ),
        _("%(organization)s is left off the list, with the reason recorded."),
    )


@require_POST
@office_only
def share(request, pk):
    member_state_list = _list_or_404(pk)
    entry = get_object_or_404(
        ListEntry.objects.select_related("application__organization"),
        pk=_posted_pk(request, "entry"),
        list=member_state_list,
    )
    item = request.POST.get("item", "")
    if item not in SharedItem.values:
        raise Http404
    return _take(
        request,
        member_state_list,
        lambda: services.share(entry=entry, item=item, by=request.user),
        _("%(item)s of %(organization)s shared with every Member State.")
        % {"item": SharedItem(item).label.capitalize(), "organization": entry},
        row=f"entry-{entry.application_id}",
    )


@require_POST
@office_only
def circulate(request, pk):
    member_state_list = _list_or_404(pk)
    if member_state_list.status != MemberStateList.Status.DRAFT:
        # No form on a circulated version's page: the refusal is told at its top.
        messages.error(request, _("This version was already circulated."))
        return _back(member_state_list)
    call = member_state_list.call
    # The deadline is typed in the venue's time zone, as the call's own dates are.
    with timezone.override(call.tzinfo):
        form = CirculateForm(request.POST)
        valid = form.is_valid()
    if not valid:
        return _list_page(request, member_state_list, circulate_form=form)
    try:
        services.circulate(
            member_state_list=member_state_list,
            by=request.user,
            objection_deadline=form.cleaned_data["objection_deadline"],
        )
    except NotAllowed as refusal:
        form.add_error("objection_deadline", refusal.message)
        return _list_page(request, member_state_list, circulate_form=form)
    count = services.delegates().count()
    messages.success(
        request,
        ngettext(
            "Version %(version)d is circulated; %(count)d delegate is mailed.",
            "Version %(version)d is circulated; %(count)d delegates are mailed.",
            count,
        )
        % {"version": member_state_list.version, "count": count},
    )
    return _back(member_state_list)


@require_POST
@office_only
def finalize(request, pk):
    member_state_list = _list_or_404(pk)
    try:
        result = services.finalize(member_state_list=member_state_list, by=request.user)
    except NotAllowed as refusal:
        messages.error(request, refusal.message)
    else:
        if result.already:
            messages.info(request, _("The list was already finalized; nothing changed."))
        else:
            messages.success(
                request,
                _(
                    "The list is final: %(accredited)d accredited, %(not_accredited)d not "
                    "accredited. The focal points are mailed."
                )
                % {"accredited": result.accredited, "not_accredited": result.not_accredited},
            )
    return _back(member_state_list)


@require_POST
@office_only
def new_version(request, slug):
    call = get_object_or_404(Call, slug=slug)
    try:
        draft = services.draft_list(call=call, by=request.user)
    except NotAllowed as refusal:
        messages.error(request, refusal.message)
        return redirect("reviews:office_list", slug=call.slug)
    return _back(draft)


@office_only
def compare(request, pk, other):
    newer = _list_or_404(pk)
    older = get_object_or_404(MemberStateList, pk=other, call=newer.call)
    if older.version > newer.version:
        older, newer = newer, older
    return render(
        request,
        "reviews/office/compare.html",
        {
            "call": newer.call,
            "older": older,
            "newer": newer,
            "changes": selectors.compare_versions(older, newer),
        },
    )


@office_only
def export(request, pk, file_format):
    member_state_list = _list_or_404(pk)
    if file_format not in exports.LIST_FORMATS:
        raise Http404
    return exports.list_response(member_state_list, file_format)
