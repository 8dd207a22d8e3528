import django_tasks_db.admin  # noqa: F401  (registers its list first: taken off below)
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponseRedirect
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from . import permissions, services, tasks
from .forms import StaffUserCreationForm, ValidKeysMultipleChoiceField, is_valid_key
from .models import OutgoingMail, SecondFactor, SecurityEvent, User
from .roles import MEMBER_STATE_DELEGATES, role_label


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


def groups_help_text(user) -> str:
    """Who grants which role, and which ones this person may grant, in the reader's language.

    Escaped: the admin shows help text as HTML.
    """
    grantable = Group.objects.all() if user.is_superuser else permissions.grantable_groups(user)
    roles = sorted(str(role_label(group.name)) for group in grantable)
    rule = gettext(
        "Separation of duties: only a superuser makes someone a Reviewer or a member of the "
        "PGA office; Administrators grant the roles Administrators and Member State delegates."
    )
    if roles:
        yours = gettext("You may grant: %(roles)s.") % {"roles": ", ".join(roles)}
    else:
        yours = gettext("You may grant no role.")
    return escape(f"{rule} {yours}")


class UserChangeForm(DjangoUserChangeForm):
    """A Member State is given to Member State delegates, and to them only."""

    def clean(self):
        cleaned_data = super().clean()
        if "member_state" not in self.fields:
            return cleaned_data
        if "groups" in self.fields:
            if "groups" not in cleaned_data:
                return cleaned_data  # the field's own error says what is wrong
            is_delegate = any(
                group.name == MEMBER_STATE_DELEGATES for group in cleaned_data["groups"]
            )
        else:
            is_delegate = (
                bool(self.instance.pk)
                and self.instance.groups.filter(name=MEMBER_STATE_DELEGATES).exists()
            )
        member_state = cleaned_data.get("member_state")
        if is_delegate and not member_state:
            self.add_error(
                "member_state", _("Choose the Member State this Member State delegate represents.")
            )
        elif member_state and not is_delegate:
            self.add_error(
                "member_state",
                _(
                    "Only Member State delegates represent a Member State: clear this field, "
                    "or give the person the role Member State delegates."
                ),
            )
        return cleaned_data


@admin.register(User)
class UserAdmin(PortalAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = StaffUserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "given_name",
        "family_name",
        "is_staff",
        "member_state_name",
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
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "member_state",
                    "user_permissions",
                ]
            },
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "given_name", "family_name"]}),
    ]

    def user_change_password(self, request, id, form_url=""):
        # Nobody is given a password: people sign in by emailed link and second factor.
        raise Http404

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("second_factor")

    # Administrators manage people, but may not raise anyone's powers above their own, nor
    # take over an account: only a superuser touches superusers, superuser status, single
    # permissions, addresses (sign-in goes by mail to the address) and the accounts of
    # people who may do more than the one managing them; nobody changes their own account.

    def may_manage(self, request, user) -> bool:
        return permissions.may_manage(request.user, user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["help_text"] = groups_help_text(request.user)
            if not request.user.is_superuser:
                kwargs["queryset"] = permissions.grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # New staff and delegates are told how to sign in, once: when staff status or the
    # delegates' group is granted (at creation or later), not at every save.

    @staticmethod
    def _access(user) -> tuple[bool, bool]:
        """(staff, delegate) as stored now."""
        is_staff = User.objects.filter(pk=user.pk).values_list("is_staff", flat=True).first()
        is_delegate = user.groups.filter(name=MEMBER_STATE_DELEGATES).exists()
        return bool(is_staff), is_delegate

    def save_model(self, request, obj, form, change):
        obj._access_before = self._access(obj) if change else (False, False)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        was_staff, was_delegate = getattr(user, "_access_before", (False, False))
        is_delegate = user.groups.filter(name=MEMBER_STATE_DELEGATES).exists()
        granted = (user.is_staff and not was_staff) or (is_delegate and not was_delegate)
        if granted and user.is_active:
            # Sent once the change is stored (see changeform_view), never for a form refused.
            request._welcome_mail = (user, is_delegate)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        pending = request.__dict__.pop("_welcome_mail", None)
        if pending:
            user, as_delegate = pending
            if services.send_welcome_mail(user=user, by=request.user, as_delegate=as_delegate):
                self.message_user(
                    request,
                    _("A welcome mail telling %(person)s how to sign in was sent.")
                    % {"person": user},
                    messages.INFO,
                )
            else:
                self.message_user(
                    request,
                    _(
                        "The changes were saved, but the welcome mail to %(person)s could not be "
                        "sent. Tell them how to sign in another way."
                    )
                    % {"person": user},
                    messages.WARNING,
                )
        return response

    @admin.display(description=_("Member State"), ordering="member_state")
    def member_state_name(self, user):
        return user.member_state.name if user.member_state else ""

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


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """Mail waiting to go, sent, or kept after its last attempt, for administrators.

    Who, what subject, when, and what went wrong; never what a message says (a sign-in
    link in it is a credential, and a delivered message's text is not kept at all).
    "Send again" queues kept messages for a new round of attempts.
    """

    list_display = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]
    list_filter = ["status"]
    search_fields = ["recipients"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "reply_to",
        "subject",
        "template",
        "language",
        "priority",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "expires_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("to"), ordering="recipients")
    def to(self, mail):
        return ", ".join(mail.recipient_list)

    @admin.display(description=_("last error"))
    def error(self, mail):
        return Truncator(mail.last_error).chars(120)

    def has_resend_permission(self, request):
        return request.user.has_perm("accounts.resend_outgoingmail")

    @admin.action(description=_("Send again"), permissions=["resend"])
    def send_again(self, request, queryset):
        count = tasks.send_again(queryset)
        left = queryset.count() - count
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was queued to be sent again.",
                    "%(count)d messages were queued to be sent again.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was left as it is: only messages kept after failing are "
                    "sent again, and never a sign-in link that has expired.",
                    "%(count)d messages were left as they are: only messages kept after failing "
                    "are sent again, and never a sign-in link that has expired.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )


# The task queue's own table is plumbing, and its list no portal admin: mail is seen, and sent
# again, as outgoing mail above.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


# Django registers its own admin of groups; this one is the portal's, like every other.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PortalAdmin, DjangoGroupAdmin):
    pass
