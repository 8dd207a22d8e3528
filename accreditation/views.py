import json
import tempfile
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.permissions import is_member_state_delegate
from events.models import Call

from . import permissions, selectors, services
from .forms import (
    ApplicationForm,
    ConfirmForm,
    InvitationForm,
    OrganizationForm,
    WithdrawForm,
    participant_formset,
)
from .models import Invitation, Status

# Permissions: every view here needs a signed-in person (login_required) and
# reaches applications and documents only through the scoped selectors, so
# another organization's rows are 404 whatever id is guessed.


def _organization_or_redirect(request):
    if is_member_state_delegate(request.user):
        return None, _delegate_elsewhere(request)
    organization = selectors.organization_of(request.user)
    if organization is None:
        messages.info(request, _("First, tell us about your organization."))
        return None, redirect(f"{reverse('accreditation:organization')}?next={request.path}")
    return organization, None


def _delegate_elsewhere(request):
    messages.info(
        request,
        _("Member State delegates do not apply for organizations: this page is not for you."),
    )
    return redirect("accreditation:dashboard")


@login_required
def dashboard(request):
    if is_member_state_delegate(request.user):
        # Delegates apply for nobody: their home is the lists circulated to Member States.
        return redirect("reviews:delegate_home")
    organization = selectors.organization_of(request.user)
    applications = selectors.attach_open_requests(
        list(selectors.applications_for_user(request.user).order_by("-created_at"))
    )
    return render(
        request,
        "accreditation/dashboard.html",
        {
            "organization": organization,
            "applications": applications,
            "open_calls": selectors.open_calls_without_application(organization),
            "invitations": selectors.open_invitations(request.user),
        },
    )


@login_required
def organization_profile(request):
    if is_member_state_delegate(request.user):
        return _delegate_elsewhere(request)
    organization = selectors.organization_of(request.user)
    if organization is None and selectors.open_invitations(request.user).exists():
        # A second profile would make a duplicate organization, and the invitation could
        # then never be accepted: the invitation comes first.
        messages.info(
            request,
            _(
                "You are invited to be a focal point of an organization: accept or decline "
                "the invitation before you fill in a profile of your own."
            ),
        )
        return redirect("accreditation:dashboard")
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.save_organization(organization=organization, by=request.user, fields=fields)
        messages.success(request, _("The organization's profile is saved."))
        next_url = request.GET.get("next", "")
        # Only an address of this site: "/\\evil.example" is another site to a browser.
        return redirect(
            next_url
            if next_url.startswith("/")
            and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else "accreditation:dashboard"
        )
    focal_points = organization.focal_points.all() if organization else []
    return render(
        request,
        "accreditation/organization_form.html",
        {
            "form": form,
            "organization": organization,
            "focal_points": focal_points,
            "pending_invitations": selectors.pending_invitations(organization)
            if organization
            else [],
            "invitation_form": InvitationForm(),
        },
    )


@login_required
@require_POST
def invite(request):
    organization, response = _organization_or_redirect(request)
    if response:
        return response
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_focal_point(
                organization=organization, email=form.cleaned_data["email"], by=request.user
            )
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("The invitation is sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
    else:
        messages.error(request, _("Enter a valid email address to invite a colleague."))
    return redirect("accreditation:organization")


@login_required
@require_POST
def accept_invitation(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk, email=request.user.email, accepted_at=None)
    try:
        services.accept_invitation(invitation=invitation, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("You are now a focal point of %(name)s.") % {"name": invitation.organization}
        )
    return redirect("accreditation:dashboard")


@login_required
@require_POST
def decline_invitation(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk, email=request.user.email, accepted_at=None)
    try:
        services.decline_invitation(invitation=invitation, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The invitation is declined."))
    return redirect("accreditation:dashboard")


@login_required
@require_POST
def cancel_invitation(request, pk):
    organization, response = _organization_or_redirect(request)
    if response:
        return response
    invitation = get_object_or_404(organization.invitations, pk=pk, accepted_at=None)
    try:
        services.cancel_invitation(invitation=invitation, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("The invitation to %(email)s is cancelled.") % {"email": invitation.email},
        )
    return redirect("accreditation:organization")


@login_required
def remove_focal_point(request, user_id):
    """Leave the organization (one's own id) or remove a colleague, after a confirmation."""
    organization, response = _organization_or_redirect(request)
    if response:
        return response
    person = get_object_or_404(organization.focal_points, pk=user_id)
    leaving = person.pk == request.user.pk
    if request.method == "POST":
        try:
            services.remove_focal_point(organization=organization, person=person, by=request.user)
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
            return redirect("accreditation:organization")
        if leaving:
            messages.success(
                request,
                _("You are no longer a focal point of %(name)s.") % {"name": organization},
            )
            return redirect("accreditation:dashboard")
        messages.success(
            request,
            _("%(email)s is no longer a focal point of the organization.")
            % {"email": person.email},
        )
        return redirect("accreditation:organization")
    return render(
        request,
        "accreditation/remove_focal_point.html",
        {
            "organization": organization,
            "person": person,
            "leaving": leaving,
            "is_last": organization.focal_points.count() == 1,
            "form": ConfirmForm(),
        },
    )


@login_required
def start(request, slug):
    call = get_object_or_404(Call.objects.published().select_related("venue"), slug=slug)
    organization, response = _organization_or_redirect(request)
    if response:
        return response
    refusal = services.ecosoc_refusal(organization, call)
    if request.method == "POST" and not refusal:
        try:
            application = services.start_application(
                organization=organization, call=call, by=request.user
            )
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
        else:
            return redirect(application.get_absolute_url())
    existing = selectors.applications_for_user(request.user).filter(call=call).first()
    if existing:
        return redirect(existing.get_absolute_url())
    return render(
        request,
        "accreditation/start.html",
        {
            "call": call,
            "organization": organization,
            "refusal": refusal,
            "ngo_branch_url": settings.NGO_BRANCH_URL,
        },
    )


def _why_read_only(application) -> str:
    """Why the applicant can no longer change or submit it (the deadline...), or ''."""
    try:
        services.check_editable(application)
    except services.NotAllowed as refused:
        return refused.message
    return ""


def _application_page(request, application, form=None, participants=None, status=200):
    why_read_only = _why_read_only(application)
    editable = not why_read_only
    if participants is None and editable:
        participants = participant_formset(application)
    if form is None and editable:
        form = ApplicationForm(
            application=application,
            initial={
                "reason": application.reason,
                "meetings": application.meetings.all(),
                "acknowledged": application.acknowledged_at is not None,
                "answer": application.answer,
            },
        )
    documents = [d for d in application.documents.all() if d.is_current]
    if form is not None:
        form.show_kept_documents(documents)
    return render(
        request,
        "accreditation/application.html",
        {
            "application": application,
            "form": form,
            "participants": participants,
            "proposed_participants": application.proposed_participants.all(),
            "editable": editable,
            "why_read_only": why_read_only,
            "missing": services.missing_parts(application),
            "documents": documents,
            "can_withdraw": application.status in services.WITHDRAWABLE,
            "information_request": selectors.latest_request(application),
            "history": selectors.history_for_applicant(application),
        },
        status=status,
    )


@login_required
def application_detail(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    if request.method != "POST":
        return _application_page(request, application)
    form = ApplicationForm(request.POST, request.FILES, application=application)
    form.is_valid()
    data = form.cleaned_data
    participants = participant_formset(application, request.POST)
    try:
        # Everything that is valid is kept, even when another field is not.
        reason = form.reason_to_save()
        services.save_draft(
            application=application,
            by=request.user,
            reason=application.reason if reason is None else reason,
            answer=data.get("answer"),
            meetings=data.get("meetings", application.meetings.all()),
            acknowledged=bool(data.get("acknowledged")),
            participants=participants.participants_to_save(),
        )
        for kind, checked in form.documents():
            services.add_document(
                application=application, kind=kind, checked=checked, by=request.user
            )
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
        return redirect(application.get_absolute_url())
    application = selectors.get_application_for_user(request.user, pk)
    if form.errors or (participants.is_bound and not participants.is_valid()):
        return _application_page(
            request, application, form=form, participants=participants, status=400
        )
    if request.POST.get("action") == "review":
        return redirect("accreditation:submit", pk=application.pk)
    if application.status == Status.INFORMATION_REQUESTED:
        messages.success(
            request,
            _(
                "Your answers are saved. The reviewers receive them when you submit the "
                "application again."
            ),
        )
    else:
        messages.success(
            request,
            _("Your draft is saved. You can come back to it at any time before the deadline."),
        )
    return redirect(application.get_absolute_url())


@login_required
@require_POST
def remove_document(request, pk, public_id):
    application = selectors.get_application_for_user(request.user, pk)
    document = application.documents.filter(public_id=public_id).first()
    if document is None:
        raise Http404
    try:
        services.remove_document(document=document, by=request.user)
    except services.NotAllowed as refused:
        messages.error(request, refused.message)
    return redirect(application.get_absolute_url())


@login_required
@never_cache
def submit(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.submit_application(application=application, by=request.user)
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
        else:
            return redirect("accreditation:submitted", pk=application.pk)
    if application.status == Status.SUBMITTED:
        return redirect("accreditation:submitted", pk=application.pk)
    return render(
        request,
        "accreditation/submit.html",
        {
            "application": application,
            "documents": application.documents.current(),
            "proposed_participants": application.proposed_participants.all(),
            "missing": services.missing_parts(application),
            "closed": _why_read_only(application),
            "form": ConfirmForm(),
        },
    )


@login_required
def submitted(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    if application.reference is None:
        return redirect(application.get_absolute_url())
    return render(
        request,
        "accreditation/submitted.html",
        {"application": application, "answer": selectors.latest_answer(application)},
    )


@login_required
def withdraw(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(
                application=application, by=request.user, note=form.cleaned_data["note"]
            )
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("The application %(reference)s is withdrawn.")
                % {"reference": application.reference},
            )
        return redirect("accreditation:dashboard")
    return render(
        request, "accreditation/withdraw.html", {"application": application, "form": form}
    )


@login_required
def delete_draft(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    if application.status != Status.DRAFT:
        messages.error(
            request, _("Only a draft can be deleted; a submitted application can be withdrawn.")
        )
        return redirect(application.get_absolute_url())
    if request.method == "POST":
        try:
            services.delete_draft(application=application, by=request.user)
        except services.NotAllowed as refused:
            messages.error(request, refused.message)
            return redirect(application.get_absolute_url())
        messages.success(request, _("The draft is deleted."))
        return redirect("accreditation:dashboard")
    return render(
        request,
        "accreditation/delete_draft.html",
        {"application": application, "form": ConfirmForm()},
    )


@login_required
@never_cache
def document(request, public_id):
    document = selectors.get_document_for_user(request.user, public_id)
    thumbnail = bool(request.GET.get("thumbnail")) and document.content_type.startswith("image/")
    if permissions.can_open_submitted_documents(request.user) and not thumbnail:
        # Focal points open their own documents; staff opening one is on the record. A
        # thumbnail drawn on the application's page is not the document opened.
        services.record_document_view(document=document, by=request.user)
    if thumbnail:
        return _thumbnail(document)
    disposition = content_disposition_header(True, document.original_name)
    storage = document.file.storage
    if hasattr(storage, "bucket_name"):
        # Object storage: a signed address that expires, forcing a download.
        url = storage.url(
            document.file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": document.content_type,
            },
            expire=settings.DOCUMENT_URL_EXPIRY_SECONDS,
        )
        return HttpResponseRedirect(url)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = disposition
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


def _thumbnail(document):
    if not document.thumbnail:
        # Documents stored before thumbnails were kept get theirs drawn once, here.
        services.store_thumbnail(document)
    with document.thumbnail.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@never_cache
def export(request):
    """The organization's data, documents included, as one ZIP."""
    organization, response = _organization_or_redirect(request)
    if response:
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 -- FileResponse closes it
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        profile = {field: getattr(organization, field) for field in OrganizationForm.Meta.fields}
        profile["country"] = str(organization.country)
        profile["focal_points"] = [person.email for person in organization.focal_points.all()]
        archive.writestr(
            "organization.json",
            json.dumps(profile, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        )
        for application in selectors.applications_for_user(request.user):
            folder = application.reference or f"draft-{application.pk}"
            record = {
                "reference": application.reference,
                "call": application.call.title,
                "status": application.get_status_display(),
                "reason": application.reason,
                "meetings": [meeting.title for meeting in application.meetings.all()],
                "proposed_participants": [
                    {
                        "full_name": person.full_name,
                        "function": person.function,
                        "gender": person.get_gender_display(),
                    }
                    for person in application.proposed_participants.all()
                ],
                "submitted_at": application.submitted_at,
                "documents": [],
            }
            used_names = set()
            for doc in application.documents.current():
                stored = _unique_name(
                    f"{folder}/{doc.get_kind_display()} - {doc.original_name}", used_names
                )
                with doc.file.open("rb") as handle:
                    archive.writestr(stored, handle.read())
                record["documents"].append(stored)
            archive.writestr(
                f"{folder}/application.json",
                json.dumps(record, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            )
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename="organization-data.zip", content_type="application/zip"
    )


def _unique_name(name: str, used: set[str]) -> str:
    """Two further documents may share a file name; each gets its own entry."""
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 1
    while candidate in used:
        number += 1
        candidate = f"{stem} ({number}).{suffix}" if dot else f"{name} ({number})"
    used.add(candidate)
    return candidate


@login_required
def delete_account(request):
    if not permissions.can_delete_own_account(request.user):
        raise PermissionDenied
    if request.method == "POST":
        user = request.user
        logout(request)
        services.delete_focal_point_account(user=user)
        messages.success(request, _("Your account and your personal data are deleted."))
        return redirect("events:call_list")
    return render(request, "accreditation/delete_account.html", {"form": ConfirmForm()})
