from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import Application, Document, FocalPoint, Organization, StatusChange


class FocalPointInline(admin.TabularInline):
    model = FocalPoint
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "type", "country", "in_ecosoc_status", "created_at"]
    list_filter = ["type", "in_ecosoc_status", "country"]
    search_fields = ["name", "acronym", "homepage", "memberships__user__email"]
    inlines = [FocalPointInline]


class DocumentInline(admin.TabularInline):
    model = Document
    fields = [
        "kind",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "replaced_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Status is shown, never edited here: it changes only through accreditation.services."""

    list_display = ["__str__", "organization", "call", "status", "submitted_at", "document_count"]
    list_filter = ["status", "call"]
    search_fields = ["reference", "organization__name", "organization__acronym"]
    readonly_fields = [
        "organization",
        "call",
        "status",
        "reference",
        "submitted_at",
        "acknowledged_at",
        "reason",
    ]
    fields = [*readonly_fields, "meetings"]
    inlines = [DocumentInline, StatusChangeInline]
    list_select_related = ["organization", "call"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_documents=Count("documents", filter=Q(documents__replaced_at=None)))
        )

    @admin.display(description=_("documents"), ordering="_documents")
    def document_count(self, application):
        return application._documents

    def has_add_permission(self, request):
        return False
