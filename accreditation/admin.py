from django.contrib import admin
from django.db import models

from accounts.admin import PortalAdmin, PortalInline, ReadOnlyAdmin

from .models import FocalPoint, MembershipEvent, Organization
from .permissions import can_read_organizations


class FocalPointInline(PortalInline):
    model = FocalPoint
    extra = 0
    autocomplete_fields = ["user"]

    # Who speaks for the organization is read by everyone who reads the organization: the
    # review steps are mailed to them, and the lists are searched by their addresses.
    # Only a superuser changes them.
    def has_view_permission(self, request, obj=None):
        return can_read_organizations(request.user) or super().has_view_permission(request, obj)


@admin.register(Organization)
class OrganizationAdmin(PortalAdmin):
    list_display = ["name", "acronym", "type", "country", "in_ecosoc_status", "created_at"]
    list_filter = ["type", "in_ecosoc_status", "country"]
    search_fields = ["name", "acronym", "homepage", "memberships__user__email"]
    # As on the applicants' form: "mvn.example" means https://mvn.example.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [FocalPointInline]


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    """Who was invited, joined, left or was removed as a focal point: read-only for everyone,
    and read by whoever reads the organizations (the people the review steps are mailed to)."""

    list_display = ["at", "organization", "kind", "email", "actor"]
    list_filter = ["kind"]
    search_fields = ["organization__name", "email"]
    date_hierarchy = "at"
    list_select_related = ["organization", "actor"]

    def has_view_permission(self, request, obj=None):
        return can_read_organizations(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request) or super().has_module_permission(request)
