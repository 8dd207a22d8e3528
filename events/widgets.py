"""Date widgets for the call form, whose dates are in the venue's time zone.

Django's DateTimeShortcuts.js adds "Note: You are N hours behind server time." next to every
date input when the browser's zone differs from the server's, unless an element of class
``timezonewarning`` is already beside the input. These dates are neither the browser's nor
the server's: the widgets put that element there themselves, saying in words which zone
the fields are in.
"""

from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def inside_paragraph(html: str, addition: str) -> str:
    """``addition`` put last inside the admin widget's ``<p>``, beside its inputs."""
    before, closing, after = str(html).rpartition("</p>")
    if not closing:
        return mark_safe(f"{html}{addition}")  # noqa: S308 (both are escaped HTML)
    return mark_safe(f"{before}{addition}</p>{after}")  # noqa: S308 (both are escaped HTML)


class VenueZoneSplitDateTime(AdminSplitDateTime):
    """A date and time in the venue's zone, with the zone named in words beside it."""

    def __init__(self, attrs=None, zone_note=""):
        super().__init__(attrs)
        self.zone_note = zone_note

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        note_id = self._note_id(name, context["widget"]["attrs"])
        for subwidget in context["widget"]["subwidgets"]:
            described = subwidget["attrs"].get("aria-describedby", "")
            subwidget["attrs"]["aria-describedby"] = f"{described} {note_id}".strip()
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        note_id = self._note_id(name, self.build_attrs(self.attrs, attrs))
        return inside_paragraph(
            html,
            format_html(
                '<span class="help timezonewarning" id="{}">{}</span>', note_id, self.zone_note
            ),
        )

    @staticmethod
    def _note_id(name, attrs):
        return f"{attrs.get('id') or 'id_' + name}_zone"


class LocalDateWidget(AdminDateWidget):
    """A day at the venue: no time zone applies, so the admin's note about one is kept out."""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return inside_paragraph(html, '<span class="timezonewarning" hidden></span>')
