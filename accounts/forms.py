from django import forms

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
