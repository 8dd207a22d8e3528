"""The staff side of registration in the admin: ECOSOC status confirmations, representatives and
the registration record.

Reviewers confirm or refuse an organization's ECOSOC status for a call (through
``registration.services.decide_ecosoc_confirmation``, which keeps the record and mails the
focal points); the PGA office and administrators read representatives and the record. Nobody
adds, edits or deletes any of it through the admin's forms: representatives change through
the focal points' pages and their services, and the record is append-only.

Imported at the end of ``reviews/admin.py``, so that the admin's autodiscovery finds it.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin
from accounts.roles import role_label
from registration import permissions as registration_permissions
from registration import services as registration_services
from registration.models import EcosocConfirmation, RegistrationEvent, Representative

from . import permissions, selectors

# The steps of an ECOSOC request itself: what a reviewer, who sees no representative, is shown
# of the organization's registration record.
ECOSOC_KINDS = [
    RegistrationEvent.Kind.ECOSOC_REQUESTED,
    RegistrationEvent.Kind.ECOSOC_CONFIRMED,
    RegistrationEvent.Kind.ECOSOC_REFUSED,
]

# The decisions a reviewer takes, as they appear in the decision page's address.
CONFIRM, REFUSE = "confirm", "refuse"


class EcosocDecisionForm(forms.Form):
    """A refusal's reason, which the organization reads; confirming takes no field."""

    reason = forms.CharField(
        label=_("Why the status cannot be confirmed (sent to the organization's focal points)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={
            # The service refuses a refusal without a reason too; the form says so by the field.
            "required": _("Say why the status cannot be confirmed: the organization reads it.")
        },
    )

    def __init__(self, *args, refusing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not refusing:
            del self.fields["reason"]


@admin.register(EcosocConfirmation)
class EcosocConfirmationAdmin(ReadOnlyAdmin):
    """Requests are made by focal points and answered on their page here; never edited."""

    change_form_template = "admin/registration/ecosocconfirmation/change_form.html"
    list_display = ["organization", "call", "status", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status", "call"]
    search_fields = ["organization__name"]
    list_select_related = ["organization", "call", "decided_by"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="registration_ecosocconfirmation_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        confirmation = self.get_object(request, unquote(object_id))
        if confirmation is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        organization, call = confirmation.organization, confirmation.call
        record = RegistrationEvent.objects.filter(organization=organization, call=call)
        if not registration_permissions.can_read_registration_record(request.user):
            record = record.filter(kind__in=ECOSOC_KINDS)
        extra_context = (extra_context or {}) | {
            "confirmation": confirmation,
            "organization": organization,
            "call": call,
            "waiting": confirmation.status == EcosocConfirmation.Status.REQUESTED,
            "can_decide": registration_permissions.can_decide_ecosoc_status(request.user),
            "can_open_organization": permissions.can_read_organizations(request.user),
            "ecosoc_matches": list(selectors.ecosoc_matches(organization)[:5]),
            "record": list(record.select_related("actor").order_by("at", "pk")),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "call", "decided_by")

    def decide_view(self, request, pk, decision):
        if not registration_permissions.can_decide_ecosoc_status(request.user):
            raise PermissionDenied
        if decision not in (CONFIRM, REFUSE):
            raise Http404
        confirmation = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:registration_ecosocconfirmation_change", args=[pk])
        refusing = decision == REFUSE
        if confirmation.status != EcosocConfirmation.Status.REQUESTED:
            # Answered meanwhile (by someone else, or in another tab): nothing left to decide.
            self.message_user(
                request,
                gettext("This request was already answered: %(status)s.")
                % {"status": confirmation.get_status_display()},
                messages.WARNING,
            )
            return redirect(change_url)
        form = EcosocDecisionForm(
            request.POST if request.method == "POST" else None, refusing=refusing
        )
        if request.method == "POST" and form.is_valid():
            try:
                registration_services.decide_ecosoc_confirmation(
                    confirmation=confirmation,
                    by=request.user,
                    confirm=not refusing,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except registration_services.NotAllowed as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return redirect(change_url)
            done = (
                gettext(
                    "The ECOSOC status of %(organization)s is not confirmed for this call; its "
                    "focal points are told why by mail."
                )
                if refusing
                else gettext(
                    "The ECOSOC status of %(organization)s is confirmed for this call: it may "
                    "register representatives. Its focal points are told by mail."
                )
            )
            self.message_user(
                request, done % {"organization": confirmation.organization.name}, messages.SUCCESS
            )
            return redirect(change_url)
        title = (
            _("Refuse to confirm the ECOSOC status") if refusing else _("Confirm the ECOSOC status")
        )
        return TemplateResponse(
            request,
            "admin/registration/ecosocconfirmation/decide.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "subtitle": str(confirmation.organization),
                "confirmation": confirmation,
                "refusing": refusing,
                "form": form,
                "change_url": change_url,
                "people": confirmation.organization.focal_points.filter(is_active=True).count(),
            },
            # A refusal sent without its reason is answered like the other refused forms.
            status=400 if form.is_bound else 200,
        )


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    """For the PGA office and administrators: who is registered, read-only for everyone."""

    list_display = [
        "thumbnail_image",
        "full_name",
        "organization",
        "call",
        "gender",
        "nationality",
        "meeting_list",
        "registered_at",
    ]
    list_display_links = ["full_name"]
    list_filter = ["call", "gender", "meetings"]
    search_fields = ["full_name", "email", "organization__name"]
    list_select_related = ["organization", "call"]
    fields = [
        "photo_image",
        "full_name",
        "function",
        "organization",
        "call",
        "gender",
        "nationality",
        "email",
        "language",
        "meetings",
        "registered_at",
        "registered_by",
        "updated_at",
    ]
    readonly_fields = fields
    # The representative's own address is the focal points' page, which staff do not open.
    view_on_site = False

    def has_view_permission(self, request, obj=None):
        return registration_permissions.can_see_participants(request.user)

    def get_queryset(self, request):
        # The meetings of every row on the page in one query, not one per row.
        return super().get_queryset(request).prefetch_related("meetings")

    @admin.display(description=_("photo"))
    def thumbnail_image(self, representative):
        return format_html(
            '<img src="{}" alt="{}" width="45" height="60">',
            representative.thumbnail_url(),
            photo_alt(representative),
        )

    @admin.display(description=_("photo"))
    def photo_image(self, representative):
        return format_html(
            '<img src="{}" alt="{}" width="300" height="400">',
            representative.photo_url(),
            photo_alt(representative),
        )

    @admin.display(description=_("meetings attended"))
    def meeting_list(self, representative):
        return "; ".join(meeting.title for meeting in representative.meetings.all())


def photo_alt(representative) -> str:
    return gettext("Photo of %(name)s") % {"name": representative.full_name}


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(ReadOnlyAdmin):
    """The append-only record of registration: read-only for everyone, superusers included."""

    list_display = [
        "at",
        "organization",
        "call",
        "kind",
        "person",
        "replaced_person",
        "actor",
        "role_name",
    ]
    list_filter = ["kind", "call"]
    search_fields = ["organization__name", "person", "replaced_person"]
    list_select_related = ["organization", "call", "actor"]

    @admin.display(description=_("role"), ordering="role")
    def role_name(self, event):
        return role_label(event.role)
