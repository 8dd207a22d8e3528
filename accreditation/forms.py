from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Document, Organization
from .services import word_count
from .uploads import UploadRefused, check_upload

ACKNOWLEDGEMENT = _(
    "I understand that the organization's name and country will be shared with Member States, "
    "and that its homepage and/or its reason for participation may also be shared if a Member "
    "State requests it."
)


class OrganizationForm(forms.ModelForm):
    homepage = forms.URLField(
        label=_("Homepage"),
        max_length=500,
        assume_scheme="https",
        help_text=Organization._meta.get_field("homepage").help_text,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "acronym",
            "type",
            "country",
            "city",
            "year_established",
            "homepage",
            "contact_email",
            "phone",
            "head_name",
            "head_title",
            "areas_of_work",
            "in_ecosoc_status",
        ]
        widgets = {"areas_of_work": forms.Textarea(attrs={"rows": 3})}

    def clean_year_established(self):
        year = self.cleaned_data["year_established"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year cannot be in the future."))
        return year


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Your colleague's email address"), max_length=254)


class DocumentField(forms.FileField):
    """A document checked by its content; cleans to a CheckedFile."""

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded:
            return None
        try:
            return check_upload(uploaded)
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message, code="refused_upload") from refused


DOCUMENT_FIELDS = {
    "legal_status": Document.Kind.LEGAL_STATUS,
    "head_letter": Document.Kind.HEAD_LETTER,
    "other_document": Document.Kind.OTHER,
}
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


# Far more than any word limit a call sets; it only keeps one request from storing a book.
REASON_MAX_CHARACTERS = 20_000


class ApplicationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for participation"),
        required=False,
        max_length=REASON_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    meetings = forms.ModelMultipleChoiceField(
        label=_("Meetings of interest"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_status = DocumentField(
        label=_("Proof of legal status issued by the government of the headquarters location"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    head_letter = DocumentField(
        label=_("Letter from the head of the organization requesting accreditation"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    other_document = DocumentField(
        label=_("A further document (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    acknowledged = forms.BooleanField(label=ACKNOWLEDGEMENT, required=False)

    def __init__(self, *args, application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)
        call = application.call
        self.fields["meetings"].queryset = call.meetings.all()
        limit = call.reason_word_limit
        self.fields["reason"].help_text = ngettext(
            "At most %(limit)d word.", "At most %(limit)d words.", limit
        ) % {"limit": limit}
        self.fields["reason"].widget.attrs.update(
            {"data-word-limit": limit, "aria-describedby": "id_reason_helptext id_reason_count"}
        )
        help_text = _("PDF, JPEG or PNG, at most %(size)s.") % {
            "size": filesizeformat(settings.MAX_UPLOAD_BYTES)
        }
        for name in DOCUMENT_FIELDS:
            self.fields[name].help_text = help_text

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        limit = self.application.call.reason_word_limit
        count = word_count(reason)
        self.reason_over_word_limit = reason
        if count > limit:
            # The draft keeps the text; the applicant shortens it before submitting.
            raise forms.ValidationError(
                _(
                    "The reason has %(count)d words; the limit is %(limit)d. It is saved, but must be shortened before you submit."
                )
                % {"count": count, "limit": limit}
            )
        return reason

    def reason_to_save(self) -> str | None:
        """The reason as typed, if it may be kept in the draft: a valid one, or one that is
        valid but for its length in words (kept, to be shortened before submitting).
        None when it cannot be stored as it is (a NUL character, far too long)."""
        if "reason" in self.cleaned_data:
            return self.cleaned_data["reason"]
        return getattr(self, "reason_over_word_limit", None)

    def documents(self):
        """The accepted uploads, as (kind, CheckedFile)."""
        return [
            (kind, self.cleaned_data[name])
            for name, kind in DOCUMENT_FIELDS.items()
            if self.cleaned_data.get(name)
        ]


class ConfirmForm(forms.Form):
    """A confirmation step that carries nothing but the CSRF token."""


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
