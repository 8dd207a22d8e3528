from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class StaffUserCreationForm(forms.ModelForm):
    """The admin's form for adding a person. Nobody gets a password: people sign in by link."""

    class Meta:
        model = User
        fields = ["email", "given_name", "family_name"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = User.objects.normalize_email(user.email).lower()
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
