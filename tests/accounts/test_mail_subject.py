"""A subject is one line, and French keeps its no-break spaces there."""

import pytest
from django.core import mail

from accounts.mail import send_templated_mail
from tests.factories import CallFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_french_subject_keeps_its_no_break_space_and_a_line_break_in_a_value_goes():
    call = CallFactory(title="Summit\non migration")

    send_templated_mail(
        "registration/email/ecosoc_confirmed",
        ["focal@example.org"],
        {"organization": OrganizationFactory(), "call": call},
        language="fr",
    )

    (message,) = mail.outbox
    assert message.subject == "Statut ECOSOC confirmé\u00a0: Summit on migration"
