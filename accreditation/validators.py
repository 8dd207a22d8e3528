"""Validators shared by the applicant's models and forms."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class SingleLine:
    """Refuse line breaks, tabs and other control characters in a one-line value.

    Such values go into mail, file names and exports, where a line break starts a
    new header or row.
    """

    message = _("Write this on one line, without line breaks or control characters.")
    code = "not_single_line"

    def __call__(self, value):
        if any(unicodedata.category(char) == "Cc" for char in str(value)):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, SingleLine)


single_line = SingleLine()
