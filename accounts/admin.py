from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import StaffUserCreationForm
from .models import SecondFactor, SecurityEvent, User


class SecurityEventInline(admin.TabularInline):
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
class UserAdmin(DjangoUserAdmin):
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
        if request.user.is_superuser:
            return True
        if user.is_superuser or user.pk == request.user.pk:
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


class ReadOnlyAdmin(admin.ModelAdmin):
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
