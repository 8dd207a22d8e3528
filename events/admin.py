from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import PortalAdmin, ValidKeysFields, is_valid_key

from . import timefmt
from .models import Call, CallState, Meeting, Venue
from .widgets import LocalDateWidget, VenueZoneSplitDateTime

# The call's dates, typed and read in the principal venue's time zone.
DATES_IN_VENUE_ZONE = ["opens_at", "deadline", "registration_opens_at", "registration_closes_at"]


@admin.register(Venue)
class VenueAdmin(PortalAdmin):
    list_display = ["name", "city", "country", "time_zone"]
    list_filter = ["country"]
    search_fields = ["name", "city"]


class CallStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return CallState.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == CallState.OPEN:
            return queryset.open(now)
        if self.value() == CallState.UPCOMING:
            return queryset.upcoming(now)
        if self.value() == CallState.CLOSED:
            return queryset.closed(now)
        return queryset


class MeetingInline(ValidKeysFields, admin.StackedInline):
    # Stacked, not a table: six fields side by side, one with a venue picker, made the
    # call form scroll sideways.
    model = Meeting
    extra = 0
    fields = ["title", "kind", ("start_date", "end_date"), "venue", "format"]
    autocomplete_fields = ["venue"]
    formfield_overrides = {models.DateField: {"widget": LocalDateWidget}}


class CallAdminForm(forms.ModelForm):
    """Each error about the dates' order stands by the date it concerns, not only at the top."""

    def clean(self):
        cleaned_data = super().clean()
        opens_at, deadline = cleaned_data.get("opens_at"), cleaned_data.get("deadline")
        if opens_at and deadline and deadline <= opens_at:
            self.add_error("deadline", _("The deadline must come after the opening."))
        registration_opens_at = cleaned_data.get("registration_opens_at")
        registration_closes_at = cleaned_data.get("registration_closes_at")
        if (
            registration_opens_at
            and registration_closes_at
            and registration_closes_at <= registration_opens_at
        ):
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return cleaned_data


@admin.register(Call)
class CallAdmin(PortalAdmin):
    list_display = [
        "title",
        "mandate_symbol",
        "state_label",
        "deadline_in_venue_time",
        "venue",
        "meeting_count",
        "is_published",
    ]
    list_filter = [CallStateFilter, "is_published", "eligibility", "venue"]
    search_fields = ["title", "mandate", "mandate_symbol", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["venue"]
    date_hierarchy = "deadline"
    # As the model's own order, which Django drops from a query with a count: the pickers
    # that list calls as staff type need an order to page through.
    ordering = ["-deadline"]
    inlines = [MeetingInline]
    form = CallAdminForm
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "mandate",
                    "mandate_symbol",
                    "summary",
                    "eligibility",
                    "contact_email",
                ]
            },
        ),
        (
            _("Dates, in the principal venue's time zone"),
            {
                "fields": [
                    "venue",
                    "opens_at",
                    "deadline",
                    "registration_opens_at",
                    "registration_closes_at",
                ]
            },
        ),
        (_("Representatives"), {"fields": ["max_representatives"]}),
        (_("Publication"), {"fields": ["is_published"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("venue")
            .annotate(_meeting_count=Count("meetings"))
        )

    @admin.display(description=_("deadline"), ordering="deadline")
    def deadline_in_venue_time(self, call):
        return timefmt.in_zone(call.deadline, call.tzinfo, call.venue.city)

    @admin.display(description=_("state"))
    def state_label(self, call):
        return call.state.label

    @admin.display(description=_("meetings"), ordering="_meeting_count")
    def meeting_count(self, call):
        return call._meeting_count

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The dates' zone, named beside each of them (and in place of the admin's note on
        # the browser's zone, which says nothing true about these dates).
        venue = self._venue_for_form(request, obj.pk if obj else None)
        if venue is None:
            note = _("Date and time in the time zone of the principal venue chosen above.")
        else:
            note = _("Date and time in the venue's time zone: %(zone)s (%(venue)s).") % {
                "zone": venue.time_zone.replace("_", " "),
                "venue": venue,
            }
        widgets = {name: VenueZoneSplitDateTime(zone_note=note) for name in DATES_IN_VENUE_ZONE}
        return super().get_form(
            request, obj, change, **{**kwargs, "widgets": {**widgets, **kwargs.get("widgets", {})}}
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Staff type and read a call's dates in its venue's time zone, as the
        # notice states them, not in the server's UTC.
        venue = self._venue_for_form(request, object_id)
        if venue is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(venue.tzinfo):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # The admin answers with a lazy TemplateResponse: render it while
            # the venue's zone is still active.
            if hasattr(response, "render"):
                response.render()
            return response

    def _venue_for_form(self, request, object_id):
        # Times are read in the zone the form was shown in: for a call that
        # exists, its stored venue's, even when the venue is being changed,
        # so that changing only the venue never moves the deadline's instant.
        # Whatever is sent for them ("²" is a digit, not a number) is checked before it is
        # looked up.
        if object_id:
            if not is_valid_key(Call._meta.pk, str(object_id)):
                return None
            return Venue.objects.filter(calls__pk=object_id).first()
        venue_id = request.POST.get("venue", "") if request.method == "POST" else ""
        return (
            Venue.objects.filter(pk=venue_id).first()
            if is_valid_key(Venue._meta.pk, venue_id)
            else None
        )


@admin.register(Meeting)
class MeetingAdmin(PortalAdmin):
    list_display = ["title", "call", "kind", "start_date", "end_date", "venue", "format"]
    list_filter = ["kind", "format", "venue", "call"]
    search_fields = ["title", "call__title", "venue__name", "venue__city"]
    autocomplete_fields = ["call", "venue"]
    date_hierarchy = "start_date"
    list_select_related = ["call", "venue"]
