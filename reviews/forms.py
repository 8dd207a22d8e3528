"""The staff side's forms: a review step's fields, an internal note, the ECOSOC upload, the
participant list's filters."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from accreditation.models import Gender, Organization

from . import selectors
from .regional_groups import GROUPS, RegionalGroup


class ReviewForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    internal_reason = forms.CharField(
        label=_("Internal reason (staff only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Only the request for information takes it; services.review refuses past dates.
    answer_by = forms.DateField(
        label=_("Answer due by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the date as year-month-day, e.g. 2026-12-01.")},
    )


class StaffNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add an internal note"), widget=forms.Textarea(attrs={"rows": 3})
    )


class EcosocImportForm(forms.Form):
    """The upload; ``cleaned_data["file"]`` is the file's text."""

    # The text is kept in the session until the import is confirmed: bounded.
    max_bytes = 2 * 1024 * 1024

    file = forms.FileField(label=_("CSV file from UN DESA (columns: name, country, status)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB; the ECOSOC list is much smaller.")
                % {"size": self.max_bytes // (1024 * 1024)}
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


class ListReasonForm(forms.Form):
    """Why a recommended organization is left off, or taken off a circulated list."""

    reason = forms.CharField(
        label=_("Reason (kept on the record, shown to staff)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class CirculateForm(forms.Form):
    """The objection deadline, entered in the call's venue's time zone (the view sets it)."""

    objection_deadline = forms.DateTimeField(
        label=_("Member States may object until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "invalid": _("Enter the date and time as year-month-day hours:minutes."),
            "required": _("Set the deadline for objections."),
        },
    )


class EnglishOptionsSelect(forms.Select):
    """A choice of things named in English (meetings), also on French pages: each option but
    the empty one says so, for screen readers' voices."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if str(option["value"]):
            option["attrs"]["lang"] = "en"
        return option


class ParticipantFilterForm(forms.Form):
    """The participant list's filters, read from the address (GET): each one optional.

    A value that is no choice (typed into the address, or a meeting of another call) gets its
    message by its field and is not applied; the other filters still are.
    """

    meeting = forms.ModelChoiceField(
        label=_("Meeting"),
        queryset=None,
        required=False,
        empty_label=_("All meetings"),
        widget=EnglishOptionsSelect,
    )
    regional_group = forms.ChoiceField(
        label=_("Regional group"),
        required=False,
        help_text=_(
            "That of the participant's organization's country of headquarters, not of their "
            "nationality."
        ),
    )
    organization_type = forms.ChoiceField(label=_("Type of organization"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=None, required=False, empty_label=_("All organizations")
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = call.meetings.order_by("start_date", "title", "pk")
        self.fields["organization"].queryset = selectors.organizations_with_participants(call)
        self.fields["organization"].label_from_instance = str
        self.fields["regional_group"].choices = [
            ("", _("All regional groups")),
            *((group.value, group.label) for group in GROUPS),
            (RegionalGroup.OTHER.value, RegionalGroup.OTHER.label),
        ]
        self.fields["organization_type"].choices = [
            ("", _("All types")),
            *Organization.Type.choices,
        ]
        self.fields["gender"].choices = [("", _("All genders")), *Gender.choices]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def _valid(self) -> dict:
        """The values that passed, whether or not another field failed."""
        if not self.is_bound:
            return {}
        self.is_valid()
        for name in self.errors:
            self.fields[name].widget.attrs["class"] = "form-select is-invalid"
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "")
        }

    def filters(self) -> selectors.ParticipantFilters:
        return selectors.ParticipantFilters(**self._valid())

    def applied(self) -> list[tuple[str, str]]:
        """Each filter applied, as ``(label, value)`` in words, in the fields' order."""
        valid = self._valid()
        applied = []
        for name, field in self.fields.items():
            if name not in valid:
                continue
            value = valid[name]
            if isinstance(field, forms.ModelChoiceField):
                words = field.label_from_instance(value)
            else:
                words = str(dict(field.choices)[value])
            applied.append((str(field.label), words))
        return applied

    def query(self) -> str:
        """The filters applied, as an address's query string ("" for none)."""
        return urlencode(
            [
                (name, value.pk if hasattr(value, "pk") else value)
                for name, value in self._valid().items()
            ]
        )
