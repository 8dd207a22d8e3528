from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from .models import User


class StaffUserCreationForm(forms.ModelForm):
    """The admin's form for adding a person. Nobody gets a password: people sign in by link."""

    class Meta:
        model = User
        fields = ["email", "given_name", "family_name"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = User.objects.normalize_email(user.email)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We will send a sign-in link to this address."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the message"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        help_text=_("Eight letters and digits, for example ABCD-2345."),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["given_name", "family_name", "preferred_language"]
        # The person's own name: browsers may fill it in (WCAG 1.3.5).
        widgets = {
            "given_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "family_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }


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
