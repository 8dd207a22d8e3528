from django.contrib import admin
from django.db import models

from accounts.admin import PortalAdmin, PortalInline

from .models import FocalPoint, Organization


class FocalPointInline(PortalInline):
    model = FocalPoint
    extra = 0
    autocomplete_fields = ["user"]

    # Who speaks for the organization is read by everyone who reads the organization: the
    # review steps are mailed to them, and the lists are searched by their addresses.
    # Only a superuser changes them.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(
            "accreditation.view_organization"
        ) or super().has_view_permission(request, obj)


@admin.register(Organization)
class OrganizationAdmin(PortalAdmin):
    list_display = ["name", "acronym", "type", "country", "in_ecosoc_status", "created_at"]
    list_filter = ["type", "in_ecosoc_status", "country"]
    search_fields = ["name", "acronym", "homepage", "memberships__user__email"]
    # As on the applicants' form: "mvn.example" means https://mvn.example.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [FocalPointInline]
