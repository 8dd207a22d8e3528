import base64
import secrets

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.forms import ValidKeysMultipleChoiceField
from accreditation.forms import DocumentField, one_line
from accreditation.models import Gender
from accreditation.uploads import display_name

from .models import Representative
from .photos import ACCEPTED, PHOTO_SIZE, CheckedPhoto, check_photo
from .services import PERSON_FIELDS, address_refusal, is_replacement

KEPT_PHOTO = "registration_kept_photo"


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

    # A photo that was accepted on a submit that failed for another reason, kept in the
    # session: the page that comes back names it, and the next submit uses it unless another
    # file is chosen. Only the page that kept it carries its token.
    kept_photo = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        call,
        organization,
        representative: Representative | None = None,
        session=None,
        **kwargs,
    ):
        self.call = call
        self.organization = organization
        self.representative = representative
        self.session = session if session is not None else {}
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
        if representative is not None or self._kept_photo(self.data.get("kept_photo", "")):
            # Optional: the current photo stays, or the one kept from the last try is used.
            self.fields["photo"].required = False
        if representative is not None:
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
        if "photo" in self.errors:
            return cleaned
        if cleaned.get("photo") is None:
            cleaned["photo"] = self._kept_photo(cleaned.get("kept_photo", ""))
        before = self.representative
        if (
            cleaned["photo"] is None
            and before is not None
            and {"full_name", "email"} <= cleaned.keys()
            and is_replacement(before, cleaned)
        ):
            self.add_error("photo", _("A new representative needs their own photo: choose one."))
        return cleaned

    def _kept_photo(self, token: str) -> CheckedPhoto | None:
        kept = self.session.get(KEPT_PHOTO)
        if not token or not kept or kept["token"] != token:
            return None
        return CheckedPhoto(
            content=base64.b64decode(kept["content"]),
            thumbnail=base64.b64decode(kept["thumbnail"]),
            sha256=kept["sha256"],
        )

    def keep_photo(self) -> None:
        """After a failed submit: keep the photo it carried (or kept already) for the next one,
        and say so by the field."""
        photo = self.cleaned_data.get("photo") if hasattr(self, "cleaned_data") else None
        if photo is None:
            return
        if self.files.get("photo"):
            name = display_name(self.files["photo"].name or "")
            token = secrets.token_urlsafe(16)
            self.session[KEPT_PHOTO] = {
                "token": token,
                "name": name,
                "content": base64.b64encode(photo.content).decode(),
                "thumbnail": base64.b64encode(photo.thumbnail).decode(),
                "sha256": photo.sha256,
            }
        else:
            token, name = self.session[KEPT_PHOTO]["token"], self.session[KEPT_PHOTO]["name"]
        self.data = self.data.copy()
        self.data["kept_photo"] = token
        text = _("“%(file)s” is kept from your last try. Choose another file to replace it.") % {
            "file": name
        }
        # The bound field copied the help text when it was first made.
        self.fields["photo"].help_text = self["photo"].help_text = text

    def forget_kept_photo(self) -> None:
        self.session.pop(KEPT_PHOTO, None)

    def person(self) -> dict:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}
