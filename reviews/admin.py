"""Staff screening of applications in the admin.

Statuses change only through ``reviews.services.review`` (the buttons on
an application's page and the list's actions); no form edits them, and the
record of what happened offers no way to be edited or deleted.
"""

import secrets
import time
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.fields import Country

from accounts.admin import PortalAdmin, ReadOnlyAdmin, is_valid_key
from accounts.roles import role_label
from accreditation import selectors as applicant_selectors
from accreditation.models import (
    Application,
    Document,
    DocumentEvent,
    EcosocOrganization,
    StaffNote,
    Status,
    StatusChange,
)
from events.models import Call

from . import exports, permissions, selectors, services
from .forms import EcosocImportForm, ReviewForm, StaffNoteForm
from .regional_groups import MEMBER_STATES, RegionalGroup, regional_group
from .templatetags.screening import staff_time


class ReadOnlyRecordAdmin(ReadOnlyAdmin):
    """An application's record: read-only for everyone, and a draft's stays out of sight."""

    @admin.display(description=_("role"), ordering="role")
    def role_name(self, record):
        return role_label(record.role)

    def get_queryset(self, request):
        # A draft is the organization's own until it is submitted.
        return super().get_queryset(request).filter(application__in=Application.objects.submitted())


class RegionalGroupFilter(admin.SimpleListFilter):
    title = _("UN regional group")
    parameter_name = "regional_group"

    def lookups(self, request, model_admin):
        return [
            (group.value, group.label) for group in RegionalGroup if group != RegionalGroup.NONE
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        codes = [code for code, group in MEMBER_STATES.items() if group == self.value()]
        if self.value() == RegionalGroup.OTHER:
            return queryset.exclude(organization__country__in=list(MEMBER_STATES))
        return queryset.filter(organization__country__in=codes)


class StatusFilter(admin.SimpleListFilter):
    """The statuses staff see: a draft is the organization's own until it is submitted."""

    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [(status.value, status.label) for status in Status if status != Status.DRAFT]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class CountryFilter(admin.SimpleListFilter):
    """Only the countries applications come from, not every country in the world."""

    title = _("country of headquarters")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list("organization__country", flat=True)
            .distinct()
        )
        return sorted(((code, Country(code).name) for code in codes), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(organization__country=self.value()) if self.value() else queryset


class FlagFilter(admin.SimpleListFilter):
    """Yes/no on an annotated boolean."""

    annotation = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(**{self.annotation: self.value() == "yes"})
        return queryset


class EcosocMatchFilter(FlagFilter):
    title = _("match in the ECOSOC list")
    parameter_name = "ecosoc_match"
    annotation = "_ecosoc_match"


class DeclaredEcosocFilter(admin.BooleanFieldListFilter):
    """The organization's own answer, titled so that "By …" reads as a phrase."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("declared ECOSOC status")


class DuplicateFilter(FlagFilter):
    title = _("likely duplicate organization")
    parameter_name = "duplicate"
    annotation = "_duplicate"


# In the session: a refused review step's fields, shown again once on the application's page.
REVIEW_DRAFT = "review_draft"
# Steps that mail applicants without a message typed for them: a page says what will happen,
# and to whom, before they are taken (the bulk steps of the list too).
CONFIRMED_STEPS = {"recommend", "reopen"}


@admin.register(Application)
class ApplicationAdmin(PortalAdmin):
    change_form_template = "admin/accreditation/application/change_form.html"
    # What a reviewer scans for first comes first; the call last, as it is long and often
    # filtered on.
    list_display = [
        "reference",
        "status",
        "organization_name",
        "country",
        "regional_group_label",
        "organization_type",
        "submitted_time",
        "document_count",
        "ecosoc_flag",
        "duplicate_flag",
        "call",
    ]
    list_filter = [
        "call",
        StatusFilter,
        RegionalGroupFilter,
        CountryFilter,
        "organization__type",
        ("organization__in_ecosoc_status", DeclaredEcosocFilter),
        EcosocMatchFilter,
        DuplicateFilter,
    ]
    search_fields = [
        "reference",
        "organization__name",
        "organization__acronym",
        "organization__memberships__user__email",
    ]
    list_select_related = ["organization", "call"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["start_review", "recommend", "download_documents"]
    # Every field, the meetings too: what the applicant submitted changes only through
    # the services, so a POST of this page can change nothing.
    readonly_fields = [field.name for field in Application._meta.fields] + ["meetings"]
    fields = []

    def get_queryset(self, request):
        return selectors.applications_for_screening(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The page is for reading; statuses change through the review buttons only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return permissions.can_review(request.user)

    @admin.display(description=_("organization"), ordering="organization__name")
    def organization_name(self, application):
        return str(application.organization)

    @admin.display(description=_("country"), ordering="organization__country")
    def country(self, application):
        return application.organization.country.name

    @admin.display(description=_("regional group"))
    def regional_group_label(self, application):
        return regional_group(application.organization.country.code).label

    @admin.display(description=_("type"), ordering="organization__type")
    def organization_type(self, application):
        return application.organization.get_type_display()

    @admin.display(description=_("documents"), ordering="_documents")
    def document_count(self, application):
        return application._documents

    # Warnings in words, not ticks and crosses: an empty cell when there is nothing to say.
    @admin.display(description=_("ECOSOC list"), ordering="_ecosoc_match", empty_value="")
    def ecosoc_flag(self, application):
        return warning_badge(_("In the ECOSOC list")) if application._ecosoc_match else ""

    @admin.display(description=_("duplicate"), ordering="_duplicate", empty_value="")
    def duplicate_flag(self, application):
        return warning_badge(_("Likely duplicate")) if application._duplicate else ""

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted_time(self, application):
        return staff_time(application.submitted_at)

    # Bulk steps from the list ------------------------------------------------

    def review_preview(self, request, applications, action, *, form_action, hidden, cancel_url):
        """A page like Django's delete confirmation: what the step will do, to how many
        applications, and who is mailed; Confirm posts the same step again with ``confirm``."""
        step = services.REVIEW_ACTIONS[action]
        changing = [item for item in applications if item.status in step.sources]
        left = [item for item in applications if item.status not in step.sources]
        people = selectors.people_mailed(changing) if action in services.MAILED_ACTIONS else 0
        return TemplateResponse(
            request,
            "admin/accreditation/application/confirm_review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Confirm: %(action)s") % {"action": step.label},
                "step": step,
                "target": Status(step.target).label,
                "changing": changing,
                "left": left,
                "mailed": action in services.MAILED_ACTIONS,
                "people": people,
                "form_action": form_action,
                "hidden": hidden,
                "cancel_url": cancel_url,
            },
        )

    def _bulk(self, request, queryset, action):
        if request.POST.get("confirm") != "yes":
            applications = list(queryset.order_by("reference", "pk"))
            return self.review_preview(
                request,
                applications,
                action,
                form_action=request.get_full_path(),
                hidden=[("action", action)]
                + [(helpers.ACTION_CHECKBOX_NAME, str(item.pk)) for item in applications],
                cancel_url=request.get_full_path(),
            )
        done, refused = 0, []
        for application in queryset:
            try:
                services.review(application=application, action=action, by=request.user)
                done += 1
            except services.NotAllowed as refusal:
                refused.append(f"{application}: {refusal.message}")
        if done:
            self.message_user(
                request,
                ngettext("%(count)d application done.", "%(count)d applications done.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(
        description=_("Start review of the selected applications"), permissions=["review"]
    )
    def start_review(self, request, queryset):
        return self._bulk(request, queryset, "start_review")

    @admin.action(description=_("Recommend the selected applications"), permissions=["review"])
    def recommend(self, request, queryset):
        return self._bulk(request, queryset, "recommend")

    @admin.action(
        description=_("Download the documents of the selected applications (ZIP)"),
        permissions=["view_document"],
    )
    def download_documents(self, request, queryset):
        return exports.documents_zip_response(
            queryset.order_by("reference", "pk"), by=request.user, filename="documents.zip"
        )

    def has_view_document_permission(self, request):
        return permissions.can_open_submitted_documents(request.user)

    def changelist_view(self, request, extra_context=None):
        call_id = request.GET.get("call__id__exact", "")
        extra_context = (extra_context or {}) | {
            "can_import_ecosoc": permissions.can_import_ecosoc_list(request.user),
            "documents_call": Call.objects.filter(pk=call_id).first()
            if is_valid_key(Call._meta.pk, call_id) and self.has_view_document_permission(request)
            else None,
        }
        return super().changelist_view(request, extra_context)

    # One application's page ---------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/<str:action>/",
                self.admin_site.admin_view(self.review_view),
                name="accreditation_application_review",
            ),
            path(
                "<int:pk>/note/",
                self.admin_site.admin_view(self.note_view),
                name="accreditation_application_note",
            ),
            path(
                "import-ecosoc/",
                self.admin_site.admin_view(self.import_ecosoc_view),
                name="accreditation_application_import_ecosoc",
            ),
            path(
                "call/<int:call_id>/documents.zip",
                self.admin_site.admin_view(self.call_documents_view),
                name="accreditation_application_call_documents",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        if application is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        organization = application.organization
        documents = list(
            Document.objects.seen_by_staff()
            .filter(application=application)
            .order_by("kind", "-uploaded_at")
        )
        review_draft = request.session.pop(REVIEW_DRAFT, {})
        if review_draft.get("application") != application.pk:
            review_draft = {}
        actions = (
            services.available_actions(application) if self.has_review_permission(request) else []
        )
        if review_draft and review_draft["action"] not in {action.name for action in actions}:
            # The step is no longer offered (someone else moved the application): say why.
            self.message_user(request, review_draft["error"], messages.ERROR)
            review_draft = {}
        extra_context = (extra_context or {}) | {
            "timeline": selectors.timeline(request.user, application),
            "can_add_note": permissions.can_add_staff_notes(request.user),
            "sees_internal_notes": permissions.can_read_internal_notes(request.user),
        }
        extra_context |= {
            "application": application,
            "organization": organization,
            "regional_group": regional_group(organization.country.code).label,
            "current_documents": [doc for doc in documents if doc.is_current],
            "earlier_documents": [doc for doc in documents if not doc.is_current],
            "can_open_documents": self.has_view_document_permission(request),
            "actions": actions,
            "review_draft": review_draft,
            "note_form": StaffNoteForm(),
            "ecosoc_matches": list(selectors.ecosoc_matches(organization)[:5]),
            "duplicates": list(selectors.likely_duplicates(organization)[:5]),
            "changes": selectors.changes_since_previous_submission(application),
            "answer": applicant_selectors.latest_answer(application),
            "earliest_answer_by": timezone.localdate() + timedelta(days=1),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, pk, action):
        if not permissions.can_review(request.user) or action not in services.REVIEW_ACTIONS:
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:accreditation_application_change", pk)
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        form = ReviewForm(request.POST)
        form.is_valid()
        if (
            action in CONFIRMED_STEPS
            and request.POST.get("confirm") != "yes"
            and application.status in services.REVIEW_ACTIONS[action].sources
        ):
            return self.review_preview(
                request,
                [application],
                action,
                form_action=request.path,
                hidden=[
                    (name, request.POST.get(name, ""))
                    for name in ("message", "internal_reason")
                    if request.POST.get(name)
                ],
                cancel_url=reverse("admin:accreditation_application_change", args=[pk]),
            )
        try:
            if "answer_by" in form.errors:
                raise services.NotAllowed(form.errors["answer_by"][0])
            services.review(
                application=application,
                action=action,
                by=request.user,
                message=form.cleaned_data.get("message", ""),
                internal_reason=form.cleaned_data.get("internal_reason", ""),
                answer_by=form.cleaned_data.get("answer_by"),
            )
        except services.NotAllowed as refusal:
            # Back on the page, the refusal stands by the step's fields, with what was typed.
            request.session[REVIEW_DRAFT] = {
                "application": application.pk,
                "action": action,
                "message": form.cleaned_data.get("message", ""),
                "internal_reason": form.cleaned_data.get("internal_reason", ""),
                "answer_by": request.POST.get("answer_by", "")[:10],
                "error": refusal.message,
            }
            return redirect("admin:accreditation_application_change", pk)
        self.message_user(
            request,
            _("Done: %(action)s.") % {"action": services.REVIEW_ACTIONS[action].label},
            messages.SUCCESS,
        )
        return redirect("admin:accreditation_application_change", pk)

    def note_view(self, request, pk):
        if request.method != "POST" or not permissions.can_add_staff_notes(request.user):
            raise PermissionDenied
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        form = StaffNoteForm(request.POST)
        if form.is_valid():
            services.add_staff_note(
                application=application, by=request.user, text=form.cleaned_data["text"]
            )
        else:
            self.message_user(request, _("Write the note before adding it."), messages.ERROR)
        return redirect("admin:accreditation_application_change", pk)

    def import_ecosoc_view(self, request):
        """In two steps: the upload shows what would change; only a confirmation of that
        preview replaces the list. Between the two the text waits in the session (one
        preview per session, for 30 minutes, at most EcosocImportForm.max_bytes) under a
        random key that the confirmation must send back."""
        if not permissions.can_import_ecosoc_list(request.user):
            raise PermissionDenied
        key = "ecosoc_import"
        preview_minutes = 30
        if request.method == "POST" and ("_confirm" in request.POST or "_cancel" in request.POST):
            stored = request.session.get(key)
            if "_cancel" in request.POST:
                request.session.pop(key, None)
                self.message_user(
                    request, _("Nothing was imported; the ECOSOC list is as it was."), messages.INFO
                )
                return redirect("admin:accreditation_application_import_ecosoc")
            sent = request.POST.get("import_id", "")
            valid = (
                isinstance(stored, dict)
                and isinstance(stored.get("id"), str)
                and constant_time_compare(stored["id"], sent)
                and stored.get("user") == request.user.pk
                and time.time() - stored.get("at", 0) <= preview_minutes * 60
            )
            if not valid:
                self.message_user(
                    request,
                    _(
                        "This preview is no longer valid: it expired, or another file was "
                        "uploaded since. Nothing was imported; upload the file again."
                    ),
                    messages.ERROR,
                )
                return redirect("admin:accreditation_application_import_ecosoc")
            request.session.pop(key, None)
            try:
                result = services.import_ecosoc_list(
                    text=stored["text"], expected_version=stored["version"]
                )
            except services.NotAllowed as error:
                self.message_user(request, error.message, messages.ERROR)
                return redirect("admin:accreditation_application_import_ecosoc")
            self.message_user(
                request,
                ngettext(
                    "%(count)d organization imported from the ECOSOC list.",
                    "%(count)d organizations imported from the ECOSOC list.",
                    result.imported,
                )
                % {"count": result.imported},
                messages.SUCCESS,
            )
            if result.skipped:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d row without a name was left out.",
                        "%(count)d rows without a name were left out.",
                        result.skipped,
                    )
                    % {"count": result.skipped},
                    messages.WARNING,
                )
            return redirect("admin:accreditation_application_changelist")

        form = EcosocImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the ECOSOC list"),
            "opts": self.model._meta,
        }
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["file"]
            try:
                preview = services.preview_ecosoc_list(text=text)
            except services.NotAllowed as error:
                form.add_error("file", error.message)
            else:
                import_id = secrets.token_urlsafe(24)
                request.session[key] = {
                    "id": import_id,
                    "user": request.user.pk,
                    "at": time.time(),
                    "version": preview.version,
                    "text": text,
                }
                return TemplateResponse(
                    request,
                    "admin/accreditation/application/import_ecosoc_preview.html",
                    {
                        **context,
                        "title": _("Import the ECOSOC list: what will change"),
                        "preview": preview,
                        "import_id": import_id,
                        "file_name": request.FILES["file"].name,
                    },
                )
        return TemplateResponse(
            request,
            "admin/accreditation/application/import_ecosoc.html",
            {**context, "form": form},
        )

    def call_documents_view(self, request, call_id):
        if not self.has_view_document_permission(request):
            raise PermissionDenied
        call = get_object_or_404(Call, pk=call_id)
        applications = call.applications.submitted().order_by("reference")
        return exports.documents_zip_response(
            applications, by=request.user, filename=f"call-{call.pk}-documents.zip"
        )


def warning_badge(text) -> str:
    return format_html('<span class="warning-badge">{}</span>', text)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyRecordAdmin):
    list_display = ["at", "application", "from_status", "to_status", "actor", "role_name"]
    list_filter = ["to_status", "role"]
    list_select_related = ["application", "actor"]

    # The internal reason is for those who read internal notes.
    def get_search_fields(self, request):
        fields = ["application__reference", "actor__email"]
        return [*fields, "note"] if permissions.can_read_internal_notes(request.user) else fields

    def get_exclude(self, request, obj=None):
        return [] if permissions.can_read_internal_notes(request.user) else ["note"]


@admin.register(DocumentEvent)
class DocumentEventAdmin(ReadOnlyRecordAdmin):
    list_display = ["at", "application", "document", "kind", "actor", "role_name"]
    list_filter = ["kind"]
    list_select_related = ["application", "document", "actor"]


@admin.register(StaffNote)
class StaffNoteAdmin(ReadOnlyRecordAdmin):
    list_display = ["at", "application", "author", "role_name", "text"]
    list_select_related = ["application", "author"]


@admin.register(EcosocOrganization)
class EcosocOrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "country", "status", "imported_at"]
    search_fields = ["name"]


# The staff side of registration (ECOSOC confirmations, representatives, the record): its own
# module, registered with the admin when this one is autodiscovered.
from . import registration_admin  # noqa: E402, F401
