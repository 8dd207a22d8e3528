from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts.forms import ValidKeysMultipleChoiceField

from .models import Document, Gender, Organization, ProposedParticipant, Status
from .services import word_count
from .uploads import UploadRefused, check_upload, display_name
from .validators import single_line

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
        # Said in full, so that an error reads "Organization name: …" out of context.
        labels = {"name": _("Organization name")}

    # What browsers may fill in (WCAG 1.3.5). The head of the organization is not the person
    # filling in the form: "off" keeps the browser from offering the user's own name and title.
    AUTOCOMPLETE = {
        "name": "organization",
        "country": "country",
        "city": "address-level2",
        "homepage": "url",
        "contact_email": "email",
        "phone": "tel",
        "head_name": "off",
        "head_title": "off",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, token in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        self.fields["phone"].widget.input_type = "tel"

    def clean_year_established(self):
        year = self.cleaned_data["year_established"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year cannot be in the future."))
        return year


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Your colleague's email address"), max_length=254)


class DocumentField(forms.FileField):
    """A document checked by its content; cleans to what ``check`` makes of it (a CheckedFile).

    A refusal names the file and the rule it broke, by the field."""

    check = staticmethod(check_upload)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if not uploaded:
            return None
        try:
            return self.check(uploaded)
        except UploadRefused as refused:
            # The file is named: the browser forgets the choice once the page comes back.
            raise forms.ValidationError(
                _("“%(file)s” was not kept: %(reason)s"),
                code="refused_upload",
                params={"file": display_name(uploaded.name or ""), "reason": refused.message},
            ) from refused


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
    meetings = ValidKeysMultipleChoiceField(
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
    answer = forms.CharField(
        label=_("Your answer to the reviewers"),
        required=False,
        max_length=REASON_MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Say what you changed or add what they asked for. It is sent with the application "
            "when you submit it again."
        ),
    )

    def __init__(self, *args, application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)
        if application.status != Status.INFORMATION_REQUESTED:
            # Only an application being answered has an answer.
            del self.fields["answer"]
        call = application.call
        self.fields["meetings"].queryset = call.meetings.all()
        # Meetings are named in English, also on French pages.
        self.fields["meetings"].label_from_instance = lambda meeting: format_html(
            '<span lang="en">{}</span>', meeting.title
        )
        limit = call.reason_word_limit
        self.fields["reason"].help_text = ngettext(
            "At most %(limit)d word.", "At most %(limit)d words.", limit
        ) % {"limit": limit}
        self.fields["reason"].widget.attrs.update(
            {"data-word-limit": limit, "aria-describedby": "id_reason_helptext id_reason_count"}
        )
        self.show_kept_documents([])

    def show_kept_documents(self, documents) -> None:
        """Each file field says which files it already holds, and the size limit."""
        limit = _("PDF, JPEG or PNG, at most %(size)s.") % {
            "size": filesizeformat(settings.MAX_UPLOAD_BYTES)
        }
        for name, kind in DOCUMENT_FIELDS.items():
            kept = ", ".join(
                f"{document.original_name} ({filesizeformat(document.size)})"
                for document in documents
                if document.kind == kind
            )
            if not kept:
                text = limit
            elif kind == Document.Kind.OTHER:
                text = _("Already kept: %(files)s. Choosing a new file adds one. %(limit)s") % {
                    "files": kept,
                    "limit": limit,
                }
            else:
                text = _("Already kept: %(files)s. Choosing a new file replaces it. %(limit)s") % {
                    "files": kept,
                    "limit": limit,
                }
            # The bound field copied the help text when it was first made (a bound form has
            # made it while cleaning).
            self.fields[name].help_text = self[name].help_text = text

    def full_clean(self):
        super().full_clean()
        if "reason" in self.errors:
            # The description set above replaces Django's, which would have named the error.
            reason = self["reason"].auto_id
            self.fields["reason"].widget.attrs["aria-describedby"] = (
                f"{reason}_helptext {reason}_error {reason}_count"
            )

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


# The people the organization proposes to send ------------------------------------------------

PARTICIPANT_FIELDS = ("full_name", "function", "gender")
PARTICIPANTS_PREFIX = "participants"


def one_line(value: str) -> None:
    # A NUL character has Django's own message already: one message for one mistake.
    single_line(value.replace("\x00", ""))


class ParticipantForm(forms.Form):
    """One row: a person the organization proposes to send. An empty row is no one."""

    full_name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=ProposedParticipant._meta.get_field("full_name").max_length,
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    function = forms.CharField(
        label=_("Function in the organization"),
        required=False,
        max_length=ProposedParticipant._meta.get_field("function").max_length,
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", pgettext_lazy("gender not chosen", "Choose")), *Gender.choices],
    )

    MISSING = {
        "full_name": _("Enter the person's full name."),
        "function": _("Enter the person's function in the organization."),
        "gender": _("Choose the person's gender, or “Prefers not to say”."),
    }

    def is_filled(self) -> bool:
        """Something was typed or chosen in the row (spaces are nothing)."""
        return any(
            isinstance(value := self[name].data, str) and value.strip()
            for name in PARTICIPANT_FIELDS
        )

    def has_changed(self) -> bool:
        # Whatever a row held before: an emptied row is no one, a filled one is checked.
        return self.is_filled()

    def clean(self):
        cleaned = super().clean()
        if self.is_filled():
            for name, message in self.MISSING.items():
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned


class BaseParticipantFormSet(forms.BaseFormSet):
    """The rows of people proposed, at most the call's limit of representatives."""

    def __init__(self, *args, limit: int, **kwargs):
        self.limit = limit
        super().__init__(*args, **kwargs)
        # Said with the call's limit (Django's own message counts "forms"). Django formats it
        # with % and a mapping, so any % in it is doubled.
        self.error_messages = {
            **self.error_messages,
            "too_many_forms": self.too_many_message().replace("%", "%%"),
        }

    def too_many_message(self) -> str:
        return ngettext(
            "You can propose at most %(limit)d person to send.",
            "You can propose at most %(limit)d people to send.",
            self.limit,
        ) % {"limit": self.limit}

    def get_form_kwargs(self, index):
        # Every row may be left empty, the ones already filled in too (emptying one removes
        # the person).
        return {"empty_permitted": True}

    def clean(self):
        if self.management_form.cleaned_data[forms.formsets.TOTAL_FORM_COUNT] < 0:
            raise forms.ValidationError(
                _("The rows were not sent as the page made them: reload the page and try again."),
                code="missing_management_form",
            )
        filled = sum(1 for form in self.forms if form.is_filled())
        if filled > self.limit:
            raise forms.ValidationError(self.too_many_message(), code="too_many_forms")

    def participants_to_save(self) -> list[dict] | None:
        """The people to keep, in the order of the rows; None to leave them as they are.

        As for the reason, what is valid is kept even when something else is not: a row with
        an error keeps the person who was in that row before (if any), and the page shows the
        row as typed, with its error. Too many rows, or rows that were tampered with, change
        nothing.
        """
        if not self.is_bound or self.non_form_errors():
            return None
        existing = self.initial or []
        people = []
        for index, form in enumerate(self.forms):
            if form.errors:
                if index < len(existing):
                    people.append(existing[index])
            elif form.is_filled():
                people.append({name: form.cleaned_data[name] for name in PARTICIPANT_FIELDS})
        return people


def participants_of(application) -> list[dict]:
    return [
        {name: getattr(person, name) for name in PARTICIPANT_FIELDS}
        for person in application.proposed_participants.all()
    ]


def participant_formset(application, data=None) -> BaseParticipantFormSet:
    """The rows for the application's proposed participants: those named so far, then empty
    rows up to the call's limit, so that the page needs no script to add one.

    A POST without the rows (another client, an older page) leaves the people as they are:
    the formset is then unbound.
    """
    limit = application.call.max_representatives
    existing = participants_of(application)
    rows = max(limit, len(existing))
    formset_class = forms.formset_factory(
        ParticipantForm,
        formset=BaseParticipantFormSet,
        extra=rows - len(existing),
        max_num=rows,
        absolute_max=rows,
    )
    if data is not None and f"{PARTICIPANTS_PREFIX}-TOTAL_FORMS" not in data:
        data = None
    return formset_class(data, initial=existing, prefix=PARTICIPANTS_PREFIX, limit=limit)


class ConfirmForm(forms.Form):
    """A confirmation step that carries nothing but the CSRF token."""


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Why are you withdrawing? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
