"""What a Member State delegate sends on a circulated list: a request, an objection."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SharedItem

# An objection's reason is a few sentences for the PGA office, not a document.
OBJECTION_REASON_MAX_LENGTH = 2000


class InformationRequestForm(forms.Form):
    """Which of an entry's items the delegate asks the office to share (the button pressed)."""

    item = forms.ChoiceField(
        label=_("Asked for"),
        choices=SharedItem.choices,
        error_messages={
            "required": _("Choose what to ask for: the homepage or the reason."),
            "invalid_choice": _("Choose what to ask for: the homepage or the reason."),
        },
    )


class ObjectionForm(forms.Form):
    """An objection's optional reason.

    The list shows one of these for each entry: ``entry`` gives each its own field id, so
    that every label points at its own field and an error links to the right one.
    """

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=OBJECTION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, entry, **kwargs):
        kwargs.setdefault("auto_id", f"objection-{entry.pk}-%s")
        super().__init__(*args, **kwargs)
        self.entry = entry
        # The label names the organization: an error in the summary says which reason it is.
        self.fields["reason"].label = _("Reason for objecting to %(name)s (optional)") % {
            "name": entry.organization_name
        }
        # A browser would cut a longer reason without a word: the server says it is too long.
        self.fields["reason"].widget.attrs.pop("maxlength", None)

    def full_clean(self):
        super().full_clean()
        if self.errors.get("reason"):
            # The field says it is wrong, and what is wrong is read with it.
            attrs = self.fields["reason"].widget.attrs
            attrs["class"] += " is-invalid"
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{self['reason'].auto_id}-error"
