"""Member State delegates' pages: the circulated lists, requests for information, objections.

Only Member State delegates reach these pages; to anyone else they do not exist (404). A
delegate sees what the PGA office shared of each entry and their own Member State's requests
and objections, never another Member State's: ``selectors.entries_for_delegate`` reads only
those. Drafts and superseded versions are never shown (``MemberStateList.objects.circulated``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_member_state_delegate

from .. import exports, selectors, services
from ..delegate_forms import InformationRequestForm, ObjectionForm
from ..models import ListEntry, MemberStateList, SharedItem
from ..permissions import member_state_of


def _member_state(request):
    """The Member State the delegate speaks for, or the page saying it is not set yet.

    Returns ``(code, None)`` or ``("", response)``; anyone who is not a delegate gets a 404.
    """
    if not is_member_state_delegate(request.user):
        raise Http404
    member_state = member_state_of(request.user)
    if member_state:
        return member_state, None
    return "", render(
        request,
        "reviews/delegates/no_member_state.html",
        status=200 if request.resolver_match.url_name == "delegate_home" else 403,
    )


def _visible_lists():
    return MemberStateList.objects.circulated().select_related("call__venue")


@login_required
def home(request):
    member_state, response = _member_state(request)
    if response:
        return response
    return render(
        request,
        "reviews/delegates/home.html",
        {
            "lists": selectors.latest_circulated_lists(member_state),
            "member_state": request.user.member_state,
        },
    )


def _list_page(request, member_state_list, member_state, *, invalid=None, status=200):
    """The list with its entries; ``invalid``: an entry's objection form sent back with errors."""
    open_ = member_state_list.takes_objections()
    entries = list(selectors.entries_for_delegate(member_state_list, member_state))
    for entry in entries:
        entry.standing_objection = next(
            (item for item in entry.own_objections if item.withdrawn_at is None), None
        )
        asked = {asked_for.item: asked_for for asked_for in entry.own_requests}
        entry.homepage_request = asked.get(SharedItem.HOMEPAGE)
        entry.reason_request = asked.get(SharedItem.REASON)
        if invalid is not None and invalid.entry.pk == entry.pk:
            entry.objection_form = invalid
        elif open_ and entry.standing_objection is None:
            entry.objection_form = ObjectionForm(entry=entry)
    return render(
        request,
        "reviews/delegates/list.html",
        {
            "list": member_state_list,
            "call": member_state_list.call,
            "entries": entries,
            "open": open_,
            "deadline": selectors.deadline_words(member_state_list),
            "member_state": request.user.member_state,
            # The page's title and error summary speak of the form sent back, if any.
            "form": invalid,
            # A page drawn after a refused POST: changing the language goes back to the list.
            "language_next": reverse("reviews:delegate_list", args=[member_state_list.pk]),
        },
        status=status,
    )


@login_required
def list_page(request, pk):
    member_state, response = _member_state(request)
    if response:
        return response
    member_state_list = get_object_or_404(_visible_lists(), pk=pk)
    return _list_page(request, member_state_list, member_state)


@login_required
def export(request, pk, file_format):
    _member_state_code, response = _member_state(request)
    if response:
        return response
    if file_format not in exports.LIST_FORMATS:
        raise Http404
    member_state_list = get_object_or_404(_visible_lists(), pk=pk)
    return exports.list_response(member_state_list, file_format)


def _entry_or_404(pk) -> ListEntry:
    return get_object_or_404(
        ListEntry.objects.filter(list__in=MemberStateList.objects.circulated()).select_related(
            "list__call__venue", "application__organization"
        ),
        pk=pk,
    )


def _back_to_list(entry):
    """To the list, at the entry acted on: the reader keeps their place."""
    return redirect(f"{reverse('reviews:delegate_list', args=[entry.list_id])}#entry-{entry.pk}")


@login_required
@require_POST
def request_information(request, pk):
    _member_state_code, response = _member_state(request)
    if response:
        return response
    entry = _entry_or_404(pk)
    form = InformationRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["item"][0])
        return _back_to_list(entry)
    item = form.cleaned_data["item"]
    try:
        services.request_information(entry=entry, item=item, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        name = entry.organization_name
        messages.success(
            request,
            _(
                "You asked for the homepage of %(name)s. The PGA office is told; once it "
                "shares it, every Member State sees it on the list."
            )
            % {"name": name}
            if item == SharedItem.HOMEPAGE
            else _(
                "You asked for the reason for participation of %(name)s. The PGA office is "
                "told; once it shares it, every Member State sees it on the list."
            )
            % {"name": name},
        )
    return _back_to_list(entry)


@login_required
@require_POST
def lodge_objection(request, pk):
    member_state, response = _member_state(request)
    if response:
        return response
    entry = _entry_or_404(pk)
    form = ObjectionForm(request.POST, entry=entry)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
    elif entry.list.takes_objections():
        # The reason stands by its field with what is wrong with it; nothing is lodged.
        return _list_page(request, entry.list, member_state, invalid=form, status=400)
    else:
        # Closed anyway: the service's refusal says why, which matters more than the reason.
        reason = ""
    try:
        services.lodge_objection(entry=entry, by=request.user, reason=reason)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _(
                "Your Member State objects to %(name)s. You may withdraw the objection until %(deadline)s."
            )
            % {
                "name": entry.organization_name,
                "deadline": selectors.deadline_words(entry.list),
            },
        )
    return _back_to_list(entry)


@login_required
@require_POST
def withdraw_objection(request, pk):
    _member_state_code, response = _member_state(request)
    if response:
        return response
    entry = _entry_or_404(pk)
    try:
        services.withdraw_objection(entry=entry, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Your Member State's objection to %(name)s is withdrawn.")
            % {"name": entry.organization_name},
        )
    return _back_to_list(entry)
