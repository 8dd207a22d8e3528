"""The staff side's forms: a review step's fields, an internal note, the ECOSOC upload."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
