from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.forms import ValidKeysMultipleChoiceField
from accreditation.forms import DocumentField, one_line
from accreditation.models import Gender

from .models import Representative
from .photos import ACCEPTED, PHOTO_SIZE, check_photo
from .services import address_refusal


class PhotoField(DocumentField):
    """A photo checked by its content and rebuilt as a pass portrait; cleans to a CheckedPhoto."""

    check = staticmethod(check_photo)


def _max_length(name: str) -> int:
    return Representative._meta.get_field(name).max_length


class RepresentativeForm(forms.Form):
    """One representative: who they are, which meetings, the language of their mail, a photo."""

    full_name = forms.CharField(
        label=_("Full name"),
        help_text=_("As in their passport or identity document: it is printed on the pass."),
        max_length=_max_length("full_name"),
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    function = forms.CharField(
        label=_("Function in the organization"),
        max_length=_max_length("function"),
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", pgettext_lazy("gender not chosen", "Choose")), *Gender.choices],
    )
    nationality = Representative._meta.get_field("nationality").formfield(label=_("Nationality"))
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("They are mailed a confirmation of their registration."),
        max_length=_max_length("email"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=_("Language of their mail"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )
    meetings = ValidKeysMultipleChoiceField(
        label=_("Meetings they will attend"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one meeting the representative will attend."),
            "invalid_choice": _("Choose meetings of this call only."),
            "invalid_pk_value": _("Choose meetings of this call only."),
        },
    )
    photo = PhotoField(
        label=_("Photo for the grounds pass"),
        # Lazy, with its numbers: the text is read in the language of each request.
        help_text=format_lazy(
            _(
                "A recent photo of their face, JPEG or PNG. It is cropped to a portrait "
                "({width} × {height} pixels) and everything but the picture (camera, place, "
                "date) is removed."
            ),
            width=PHOTO_SIZE[0],
            height=PHOTO_SIZE[1],
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join([*ACCEPTED, ".jpg", ".jpeg", ".png"])}
        ),
    )

    def __init__(
        self, *args, call, organization, representative: Representative | None = None, **kwargs
    ):
        self.call = call
        self.organization = organization
        self.representative = representative
        super().__init__(*args, **kwargs)
        self.fields["meetings"].queryset = call.meetings.all()
        # Meetings are named in English, also on French pages.
        self.fields["meetings"].label_from_instance = lambda meeting: format_html(
            '<span lang="en">{}</span>', meeting.title
        )
        self.fields["nationality"].choices = [
            ("", pgettext_lazy("country not chosen", "Choose")),
            *self.fields["nationality"].choices[1:],
        ]
        if representative is not None:
            self.fields["photo"].required = False
            self.fields["photo"].help_text = _(
                "Leave it empty to keep the current photo. Someone new, with another name or "
                "address, needs their own photo."
            )
        self.fields["email"].widget.input_type = "email"

    def clean_email(self):
        email = self.cleaned_data["email"]
        if refusal := address_refusal(
            self.call,
            email,
            organization=self.organization,
            other_than=self.representative.pk if self.representative else None,
        ):
            raise forms.ValidationError(refusal)
        return email

    def clean(self):
        cleaned = super().clean()
        before = self.representative
        if before is not None and not cleaned.get("photo") and "photo" not in self.errors:
            name, email = cleaned.get("full_name"), cleaned.get("email")
            if (name and name.strip().casefold() != before.full_name.strip().casefold()) or (
                email and email.strip().casefold() != before.email.strip().casefold()
            ):
                self.add_error(
                    "photo", _("A new representative needs their own photo: choose one.")
                )
        return cleaned

    def person(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("full_name", "function", "gender", "nationality", "email", "language")
        }


class ConfirmForm(forms.Form):
    """A step with nothing to type: the POST itself is the confirmation."""
