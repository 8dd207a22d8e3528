"""The focal points' pages for registering representatives, and the private photos.

A focal point sees and changes only their own organization's representatives: anyone else
(another organization, staff, a delegate) finds no such page (404). Every step is refused by
``registration.services`` outside the call's window or beyond its limit, with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accreditation.selectors import organization_of
from events.models import Call

from . import permissions, selectors, services
from .forms import RepresentativeForm
from .models import Representative


def _organization(request):
    organization = organization_of(request.user)
    if organization is None:
        raise Http404
    return organization


def _call(slug) -> Call:
    return get_object_or_404(Call.objects.published().select_related("venue"), slug=slug)


def _own_representative(request, public_id) -> Representative:
    return get_object_or_404(
        Representative.objects.for_user(request.user).select_related("call__venue", "organization"),
        public_id=public_id,
    )


@login_required
def home(request):
    organization = _organization(request)
    return render(
        request,
        "registration/home.html",
        {"organization": organization, "rows": selectors.standings(organization)},
    )


@login_required
def call_page(request, slug):
    organization = _organization(request)
    call = _call(slug)
    standing = selectors.standing_for(organization, call)
    if (
        not standing.may_register
        and standing.confirmation is None
        and not (standing.standing == services.Eligibility.MAY_ASK_ECOSOC)
    ):
        raise Http404
    return render(
        request,
        "registration/call.html",
        {
            "organization": organization,
            "call": call,
            "row": standing,
            "representatives": selectors.representatives(organization, call)
            if standing.may_register
            else [],
            "refusal": services.registration_refusal(organization, call),
        },
    )


def _refused(request, call, refusal: str):
    messages.error(request, refusal)
    return redirect("registration:call", slug=call.slug)


def _form_page(
    request, form, *, call, organization, representative=None, started_from=None, status=200
):
    return render(
        request,
        "registration/form.html",
        {
            "form": form,
            "call": call,
            "organization": organization,
            "representative": representative,
            "started_from": started_from,
            "proposed": selectors.proposed_not_registered(organization, call)
            if representative is None
            else [],
        },
        status=status,
    )


@login_required
def add(request, slug):
    organization = _organization(request)
    call = _call(slug)
    if refusal := services.registration_refusal(organization, call):
        return _refused(request, call, refusal)
    initial = {"language": request.LANGUAGE_CODE}
    started_from = None
    if starting_from := request.GET.get("from", ""):
        person = next(
            (
                person
                for person in selectors.proposed_not_registered(organization, call)
                if str(person.pk) == starting_from
            ),
            None,
        )
        if person is not None:
            initial.update(
                full_name=person.full_name, function=person.function, gender=person.gender
            )
            started_from = person
    form = RepresentativeForm(
        request.POST or None,
        request.FILES or None,
        call=call,
        organization=organization,
        session=request.session,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                representative = services.register_representative(
                    organization=organization,
                    call=call,
                    by=request.user,
                    fields=form.person(),
                    meetings=form.cleaned_data["meetings"],
                    photo=form.cleaned_data["photo"],
                )
            except services.NotAllowed as refusal:
                form.add_error(None, refusal.message)
            else:
                form.forget_kept_photo()
                messages.success(
                    request,
                    _("%(name)s is registered; a confirmation was mailed to %(email)s.")
                    % {"name": representative.full_name, "email": representative.email},
                )
                return redirect("registration:call", slug=call.slug)
        form.keep_photo()
        return _form_page(request, form, call=call, organization=organization, status=400)
    return _form_page(
        request, form, call=call, organization=organization, started_from=started_from
    )


@login_required
def edit(request, public_id):
    representative = _own_representative(request, public_id)
    call, organization = representative.call, representative.organization
    if refusal := services.registration_refusal(organization, call):
        return _refused(request, call, refusal)
    initial = {
        **{name: getattr(representative, name) for name in services.PERSON_FIELDS},
        "meetings": list(representative.meetings.all()),
    }
    form = RepresentativeForm(
        request.POST or None,
        request.FILES or None,
        call=call,
        organization=organization,
        representative=representative,
        session=request.session,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            before = representative.full_name
            replacing = services.is_replacement(representative, form.person())
            try:
                representative = services.update_representative(
                    representative=representative,
                    by=request.user,
                    fields=form.person(),
                    meetings=form.cleaned_data["meetings"],
                    photo=form.cleaned_data["photo"],
                )
            except services.NotAllowed as refusal:
                form.add_error(None, refusal.message)
            else:
                if replacing:
                    message = _(
                        "%(new)s replaces %(old)s; a confirmation was mailed to %(email)s."
                    ) % {
                        "new": representative.full_name,
                        "old": before,
                        "email": representative.email,
                    }
                else:
                    message = _("The details of %(name)s are saved.") % {
                        "name": representative.full_name
                    }
                form.forget_kept_photo()
                messages.success(request, message)
                return redirect("registration:call", slug=call.slug)
        form.keep_photo()
        return _form_page(
            request,
            form,
            call=call,
            organization=organization,
            representative=representative,
            status=400,
        )
    return _form_page(
        request, form, call=call, organization=organization, representative=representative
    )


@login_required
def remove(request, public_id):
    representative = _own_representative(request, public_id)
    call = representative.call
    if refusal := services.registration_refusal(representative.organization, call):
        return _refused(request, call, refusal)
    if request.method == "POST":
        name = representative.full_name
        try:
            services.remove_representative(representative=representative, by=request.user)
        except services.NotAllowed as refusal:
            return _refused(request, call, refusal.message)
        messages.success(request, _("%(name)s is no longer registered.") % {"name": name})
        return redirect("registration:call", slug=call.slug)
    return render(
        request,
        "registration/remove.html",
        {"representative": representative, "call": call},
    )


@login_required
@require_POST
def request_ecosoc(request, slug):
    organization = _organization(request)
    call = _call(slug)
    try:
        services.request_ecosoc_confirmation(organization=organization, call=call, by=request.user)
    except services.NotAllowed as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _(
                "Your request is with the reviewers. You will be told by mail when they have "
                "confirmed your organization's status."
            ),
        )
    return redirect("registration:call", slug=call.slug)


def _image(request, public_id, field: str):
    representative = get_object_or_404(
        Representative.objects.select_related("organization"), public_id=public_id
    )
    # Not found rather than forbidden: the address tells nobody else that the person exists.
    if not permissions.can_see_photo(request.user, representative):
        raise Http404
    response = FileResponse(getattr(representative, field).open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def photo(request, public_id):
    return _image(request, public_id, "photo")


@login_required
def thumbnail(request, public_id):
    return _image(request, public_id, "thumbnail")
