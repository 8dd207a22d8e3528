from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import StaffUserCreationForm
from .models import SecondFactor, SecurityEvent, User


def is_valid_key(field, value) -> bool:
    """Whether a value sent for a key of ``field`` can be looked up: "abc", "²" or a number
    past the column's range cannot (the database or the driver would fail on it)."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        key = field.to_python(value)
    except ValidationError:
        return False
    if isinstance(key, int):
        try:
            low, high = connection.ops.integer_field_range(field.get_internal_type())
        except KeyError:
            return True
        return (low is None or key >= low) and (high is None or key <= high)
    return True


class OwnFiltersChangeList(ChangeList):
    """A list that an address filters by the list's own filters only.

    Django's admin filters a list by any lookup on the model's own fields written into the
    address (``?note__startswith=S``), shown on the page or not: a field nobody may read
    could be read one character at a time. Here every parameter of the address must be one
    that a filter of the list or its date hierarchy takes; any other lookup is refused
    with Django's DisallowedModelAdminLookup, a 400.
    """

    def get_filters(self, request):
        asked = self.get_filters_params()
        try:
            filters = super().get_filters(request)
        except (ValueError, OverflowError) as error:
            # A date hierarchy's year past 9999, for one: the list without the filter.
            raise IncorrectLookupParameters(error) from error
        remaining = filters[2]
        made_here = set()
        if self.date_hierarchy and f"{self.date_hierarchy}__year" in asked:
            # The date hierarchy turns its year, month and day into these two bounds.
            made_here = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"}
        stray = sorted(set(remaining) - made_here)
        if stray:
            raise DisallowedModelAdminLookup(f"Filtering by {stray[0][:100]!r} not allowed")
        return filters


class ValidKeysAutocompleteMixin:
    """Django's autocomplete picker, shown again on a form sent back with errors, looks up
    whatever was sent for the field ("abc" for an id): a 500. Values that are no key of the
    related model are left out; the form's own error says what is wrong."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        key_field = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        value = [item for item in value if is_valid_key(key_field, str(item))]
        return super().optgroups(name, value, attr)


class ValidKeysAutocompleteSelect(ValidKeysAutocompleteMixin, AutocompleteSelect):
    pass


class ValidKeysAutocompleteSelectMultiple(ValidKeysAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class ValidKeysMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field looks the values up all at once, a number past the column's range
    included (SQLite's driver then fails): such a value is refused as any unknown one is."""

    def clean(self, value):
        opts = self.queryset.model._meta
        key_field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for item in value if isinstance(value, list | tuple) else []:
            if not is_valid_key(key_field, str(item)):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super().clean(value)


class ValidKeysFields:
    """For admins and inlines: fields for related objects that look up valid keys only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidKeysAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidKeysAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", ValidKeysMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PortalInline(ValidKeysFields, admin.TabularInline):
    """The base of the portal's inlines."""


# Longer than any value a search could match in practice; far longer ones make the
# database's pattern matching fail (SQLite refuses a LIKE pattern past 50,000 bytes).
SEARCH_MAX_CHARACTERS = 1000


class PortalAdmin(ValidKeysFields, admin.ModelAdmin):
    """The base of every ModelAdmin of the portal.

    - A list is filtered by its own filters only (OwnFiltersChangeList); searching and
      ordering are the admin's own: ``search_fields`` (which each admin keeps to what
      every role that opens the list may read) and the columns of ``list_display``.
    - A wrong value in a filter shows the whole list with a message, never an error;
      so does a search too long to run.
    - An action on a selection that is not one of the list's rows (a typed
      ``_selected_action``) is refused with a message.
    """

    def get_changelist(self, request, **kwargs):
        return OwnFiltersChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if isinstance(response, HttpResponseRedirect) and response.url.endswith(f"?{ERROR_FLAG}=1"):
            # Django's answer to a filter value the database cannot compare: the whole list.
            self.message_user(
                request,
                _(
                    "A filter in the address has a value that is not valid; the whole list is shown."
                ),
                messages.WARNING,
            )
        return response

    def get_search_results(self, request, queryset, search_term):
        if len(search_term) > SEARCH_MAX_CHARACTERS:
            # Said once on the list's page (the list searches again for each filter's counts),
            # and not to the pickers that search as staff type.
            on_the_list = request.resolver_match and request.resolver_match.url_name.endswith(
                "_changelist"
            )
            if on_the_list and not getattr(request, "_told_search_too_long", False):
                request._told_search_too_long = True
                self.message_user(
                    request,
                    _("The search is too long: at most %(count)d characters.")
                    % {"count": SEARCH_MAX_CHARACTERS},
                    messages.WARNING,
                )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_valid_key(self.opts.pk, value) for value in selected):
            self.message_user(
                request,
                _("The selection is not valid. Select the rows again in the list."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class SecurityEventInline(PortalInline):
    model = SecurityEvent
    fk_name = "user"
    fields = ["at", "kind", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def grantable_groups(user):
    """The groups that give nothing beyond what this person may do themselves."""
    own = user.get_all_permissions()
    beyond = [
        group.pk
        for group in Group.objects.prefetch_related("permissions__content_type")
        if {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} - own
    ]
    return Group.objects.exclude(pk__in=beyond)


@admin.register(User)
class UserAdmin(PortalAdmin, DjangoUserAdmin):
    add_form = StaffUserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "given_name",
        "family_name",
        "is_staff",
        "has_second_factor",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "preferred_language"]
    search_fields = ["email", "given_name", "family_name"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_second_factor"]
    inlines = [SecurityEventInline]
    fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Person"), {"fields": ["given_name", "family_name", "preferred_language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "given_name", "family_name"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("second_factor")

    # Administrators manage people, but may not raise anyone's powers above their own, nor
    # take over an account: only a superuser touches superusers, superuser status, single
    # permissions, addresses (sign-in goes by mail to the address) and the accounts of
    # people who may do more than the one managing them; nobody changes their own account.

    def may_manage(self, request, user) -> bool:
        if user.pk == request.user.pk:
            return False
        if request.user.is_superuser:
            return True
        if user.is_superuser:
            return False
        return user.get_all_permissions() <= request.user.get_all_permissions()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self.may_manage(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self.may_manage(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
            if obj is not None:
                fields.append("email")
        return fields

    @admin.display(description=_("second factor"), boolean=True)
    def has_second_factor(self, user):
        try:
            return user.second_factor.is_confirmed
        except SecondFactor.DoesNotExist:
            return False

    @admin.action(description=_("Reset the second factor (lost device)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        count = 0
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(
                    request,
                    _("%(person)s was left as is: nobody changes their own account here.")
                    % {"person": user},
                    messages.WARNING,
                )
                continue
            if not self.may_manage(request, user):
                self.message_user(
                    request,
                    _("%(person)s was left as is: only a superuser may do that.")
                    % {"person": user},
                    messages.WARNING,
                )
                continue
            services.reset_second_factor(user=user, by=request.user, note="Reset from the admin")
            self.log_change(request, user, [{"changed": {"fields": ["second factor"]}}])
            count += 1
        if not count:
            return
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)d person was reset; they set it up again at their next sign-in.",
                "The second factors of %(count)d people were reset; they set them up again at their next sign-in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(PortalAdmin):
    """For records nobody may add, edit or delete, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included: the record cannot be edited away."""

    list_display = ["at", "user", "kind", "actor", "note"]
    list_filter = ["kind"]
    search_fields = ["user__email", "actor__email", "note"]
    date_hierarchy = "at"
    list_select_related = ["user", "actor"]


# Django registers its own admin of groups; this one is the portal's, like every other.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PortalAdmin, DjangoGroupAdmin):
    pass
