from django.contrib import admin
from django.db import models

from .models import FocalPoint, Organization


class FocalPointInline(admin.TabularInline):
    model = FocalPoint
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "type", "country", "in_ecosoc_status", "created_at"]
    list_filter = ["type", "in_ecosoc_status", "country"]
    search_fields = ["name", "acronym", "homepage", "memberships__user__email"]
    # As on the applicants' form: "mvn.example" means https://mvn.example.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [FocalPointInline]
