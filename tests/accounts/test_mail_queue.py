"""Mail is queued, never sent inside a request, and never lost.

Against a real SMTP server (aiosmtpd on 127.0.0.1) and the database task backend, as in
production: the pages answer while the server is down, the worker retries with growing
delays, delivers each message once, in its reader's language, sign-in mail first, and keeps
what it could not deliver for administrators to send again.
"""

import email
import email.policy
import signal
import smtplib
import socket
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts import services as account_services
from accounts.mail import SIGN_IN_PRIORITY, send_templated_mail
from accounts.models import OutgoingMail
from accounts.roles import ADMINISTRATORS, REVIEWERS
from accounts.tasks import deliver_mail
from accreditation import services
from accreditation.models import Application, Status
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    StaffFactory,
    UserFactory,
    complete_application,
)
from tests.helpers import sign_in

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WELCOME = "accounts/email/welcome"


class Recorder:
    """An SMTP server's handler that keeps what it accepts, or refuses every recipient."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]

    @property
    def subjects(self) -> dict[str, str]:
        """Each recipient's subject, unfolded."""
        return {message["To"]: " ".join(message["Subject"].split()) for message in self.messages}


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server's port, closed until ``start()``; ``aim()`` points the portal at it
    and queues mail in the database, as in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SimpleNamespace(port=port, recorder=Recorder(), controller=None)

    def aim():
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
        settings.EMAIL_USE_TLS = False
        settings.TASKS = DATABASE_TASKS

    def start():
        server.controller = Controller(server.recorder, hostname="127.0.0.1", port=port)
        server.controller.start()

    server.aim, server.start = aim, start
    yield server
    if server.controller is not None:
        server.controller.stop()


def run_worker(*options):
    """``manage.py db_worker --batch``: run every task that is due, then exit."""
    # The worker takes over these signals to stop between tasks; the test process keeps its own.
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--interval=0", *options, verbosity=0
        )
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def focal_point_of(application):
    return application.organization.memberships.order_by("pk").first().user


def under_review(count, reviewer_client, *, languages):
    """Submitted applications, each with one focal point speaking its language, under review."""
    applications = []
    for language in languages[:count]:
        person = UserFactory(preferred_language=language)
        focal_point = FocalPointFactory(user=person)
        application = complete_application(
            ApplicationFactory(organization=focal_point.organization), by=person
        )
        services.submit_application(application=application, by=person)
        applications.append(application)
    bulk_step(reviewer_client, "start_review", applications)
    return applications


def bulk_step(client, action, applications):
    return client.post(
        reverse("admin:accreditation_application_changelist"),
        {"action": action, "_selected_action": [a.pk for a in applications], "confirm": "yes"},
    )


def step_that_fails_after_its_mail(address):
    with transaction.atomic():
        send_templated_mail(WELCOME, [address], {"minutes": 20}, language="en")
        raise RuntimeError("the step fails after its mail was queued")


def status_of(application):
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def reviewer():
    person = UserFactory(is_staff=True, email="reviewer@un.example.org")
    person.groups.add(Group.objects.get(name=REVIEWERS))
    return person


def administrator():
    person = UserFactory(is_staff=True, email="admin@un.example.org")
    person.groups.add(Group.objects.get(name=ADMINISTRATORS))
    return person


@pytest.mark.django_db(transaction=True)
def test_mail_waits_while_the_server_is_down_and_goes_once_in_its_language_sign_in_first(
    smtp_server,
):
    # Before the server goes down: three applications under review, one focal point French,
    # and a draft ready to submit.
    staff = sign_in(Client(), reviewer())
    bulk = under_review(3, staff, languages=["en", "fr", "en"])
    draft = complete_application()
    applicant = sign_in(Client(), focal_point_of(draft))
    signing_in = UserFactory(email="waiting@example.org")
    OutgoingMail.objects.all().delete()  # what that sent, before the server went down
    smtp_server.aim()

    sign_in_page = Client().post(reverse("accounts:sign_in"), {"email": signing_in.email})
    submitted = applicant.post(reverse("accreditation:submit", args=[draft.pk]))
    recommended = bulk_step(staff, "recommend", bulk)

    # The pages answered and the steps are taken; the messages wait, none was tried.
    assert sign_in_page.status_code == 302
    assert sign_in_page["Location"] == reverse("accounts:sign_in_sent")
    assert submitted.status_code == 302
    assert status_of(draft) == Status.SUBMITTED
    assert recommended.status_code == 302
    assert {status_of(application) for application in bulk} == {Status.RECOMMENDED}
    queued = OutgoingMail.objects.order_by("pk")
    expected = [signing_in.email, focal_point_of(draft).email] + [
        focal_point_of(application).email for application in bulk
    ]
    assert sorted(m.recipients for m in queued) == sorted(expected)
    assert {(m.status, m.attempts) for m in queued} == {(OutgoingMail.Status.QUEUED, 0)}
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 5

    # The worker finds the server down: each message is tried once, then waits a minute.
    run_worker()
    tried_at = timezone.now()
    assert smtp_server.recorder.messages == []
    for message in OutgoingMail.objects.all():
        assert (message.status, message.attempts) == (OutgoingMail.Status.QUEUED, 1)
        assert message.last_error.startswith("ConnectionRefusedError")
        assert timedelta(0) < message.next_attempt_at - tried_at <= timedelta(minutes=1)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 5

    # The server is back; nothing goes before its time, everything goes after it.
    smtp_server.start()
    run_worker()
    assert smtp_server.recorder.messages == []
    with time_machine.travel(tried_at + timedelta(minutes=2)):
        run_worker()
        run_worker()  # a second pass finds nothing left to send

    received = smtp_server.recorder.messages
    assert Counter(smtp_server.recorder.recipients) == Counter(expected)
    assert received[0]["To"] == signing_in.email
    subjects = smtp_server.recorder.subjects
    assert subjects[signing_in.email] == "Your sign-in link for the accreditation portal"
    english, french, other = bulk
    for application, subject in [
        (english, "Application {} has been reviewed"),
        (french, "La candidature {} a été examinée"),
        (other, "Application {} has been reviewed"),
    ]:
        application.refresh_from_db()
        assert subjects[focal_point_of(application).email] == subject.format(application.reference)
    draft.refresh_from_db()
    assert subjects[focal_point_of(draft).email] == f"Application {draft.reference} received"
    assert {(m.status, m.body_text, m.body_html) for m in OutgoingMail.objects.all()} == {
        (OutgoingMail.Status.SENT, "", "")
    }


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_link_goes_before_a_hundred_queued_messages(smtp_server):
    people = [UserFactory() for _ in range(100)]
    waiting = UserFactory(email="waiting@example.org")
    smtp_server.aim()
    for person in people:
        send_templated_mail(WELCOME, [person.email], {"minutes": 20}, language="en")
    Client().post(reverse("accounts:sign_in"), {"email": waiting.email})
    smtp_server.start()

    run_worker("--max-tasks=1")

    assert smtp_server.recorder.recipients == [waiting.email]
    assert OutgoingMail.objects.get(recipients=waiting.email).priority == SIGN_IN_PRIORITY


@pytest.mark.django_db(transaction=True)
def test_mail_past_the_last_attempt_is_kept_shown_to_administrators_and_sent_again(
    smtp_server, settings
):
    settings.MAIL_RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5)]
    person = UserFactory(email="new.staff@un.example.org", is_staff=True)
    smtp_server.aim()
    account_services.send_welcome_mail(user=person, by=None, as_delegate=False)
    start = timezone.now()

    run_worker()
    with time_machine.travel(start + timedelta(minutes=2)):
        run_worker()
    with time_machine.travel(start + timedelta(minutes=10)):
        run_worker()

    kept = OutgoingMail.objects.get()
    assert (kept.status, kept.attempts, kept.next_attempt_at) == (
        OutgoingMail.Status.FAILED,
        3,
        None,
    )
    assert kept.last_error.startswith("ConnectionRefusedError")
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()

    admin = sign_in(Client(), administrator())
    changelist = reverse("admin:accounts_outgoingmail_changelist")
    listing = admin.get(changelist, {"status__exact": "failed"})
    page = admin.get(reverse("admin:accounts_outgoingmail_change", args=[kept.pk]))
    text = listing.content.decode()
    assert listing.status_code == 200
    assert "new.staff@un.example.org" in text
    assert kept.subject in text
    assert "Not sent, kept" in text
    assert page.status_code == 200
    assert "ConnectionRefusedError" in page.content.decode()
    # What a message says stays out of the admin.
    assert "You have been given access" in kept.body_text
    assert "You have been given access" not in text + page.content.decode()

    smtp_server.start()
    sent_again = admin.post(
        changelist, {"action": "send_again", "_selected_action": [kept.pk]}, follow=True
    )
    run_worker()

    assert sent_again.status_code == 200
    assert "1 message was queued to be sent again." in sent_again.content.decode()
    assert smtp_server.recorder.recipients == ["new.staff@un.example.org"]
    kept.refresh_from_db()
    assert (kept.status, kept.attempts, kept.body_text) == (OutgoingMail.Status.SENT, 1, "")


@pytest.mark.django_db(transaction=True)
def test_a_recipient_refused_for_good_is_kept_at_once(smtp_server):
    smtp_server.aim()
    smtp_server.recorder.refuse = True
    smtp_server.start()
    send_templated_mail(WELCOME, ["nobody@example.org"], {"minutes": 20}, language="en")

    run_worker()

    kept = OutgoingMail.objects.get()
    assert (kept.status, kept.attempts) == (OutgoingMail.Status.FAILED, 1)
    assert "550" in kept.last_error
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_link_that_expired_while_waiting_is_not_sent_nor_kept_readable(smtp_server):
    smtp_server.aim()
    Client().post(reverse("accounts:sign_in"), {"email": "late@example.org"})
    start = timezone.now()
    run_worker()
    smtp_server.start()

    with time_machine.travel(start + timedelta(minutes=25)):
        run_worker()
        admin = sign_in(Client(), StaffFactory())
        answer = admin.post(
            reverse("admin:accounts_outgoingmail_changelist"),
            {"action": "send_again", "_selected_action": [OutgoingMail.objects.get().pk]},
            follow=True,
        )
        run_worker()

    expired = OutgoingMail.objects.get()
    assert smtp_server.recorder.messages == []
    assert "never a sign-in link that has expired" in answer.content.decode()
    assert (expired.status, expired.body_text, expired.body_html) == (
        OutgoingMail.Status.FAILED,
        "",
        "",
    )
    assert "Expired" in expired.last_error


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_step_queues_nothing(smtp_server):
    smtp_server.aim()

    with pytest.raises(RuntimeError):
        step_that_fails_after_its_mail("someone@example.org")

    assert not OutgoingMail.objects.exists()
    assert not DBTaskResult.objects.exists()


# With the immediate backend (the embedded default and the rest of the suite) ----------------


@pytest.mark.django_db
def test_without_a_worker_mail_goes_when_the_transaction_commits_and_not_if_it_rolls_back():
    with transaction.atomic():
        send_templated_mail(WELCOME, ["first@example.org"], {"minutes": 20}, language="en")
        assert mail.outbox == []
    with pytest.raises(RuntimeError):
        step_that_fails_after_its_mail("second@example.org")

    assert [message.to for message in mail.outbox] == [["first@example.org"]]
    assert list(OutgoingMail.objects.values_list("recipients", "status")) == [
        ("first@example.org", OutgoingMail.Status.SENT)
    ]


@pytest.mark.django_db
def test_a_message_whose_task_runs_twice_is_sent_once():
    queued = send_templated_mail(WELCOME, ["once@example.org"], {"minutes": 20}, language="en")

    deliver_mail.call(queued.pk)

    assert [message.to for message in mail.outbox] == [["once@example.org"]]


@pytest.mark.django_db
def test_without_a_worker_a_page_answers_when_the_server_is_down_and_the_mail_is_kept(
    client, unreachable_mail_server
):
    response = client.post(reverse("accounts:sign_in"), {"email": "someone@example.org"})

    assert response.status_code == 302
    kept = OutgoingMail.objects.get()
    assert (kept.status, kept.attempts) == (OutgoingMail.Status.FAILED, 1)


@pytest.mark.django_db
def test_the_admin_never_shows_a_sign_in_link(client, unreachable_mail_server):
    client.post(reverse("accounts:sign_in"), {"email": "someone@example.org"})
    kept = OutgoingMail.objects.get()
    link = next(line for line in kept.body_text.splitlines() if "/s/" in line).strip()
    admin = sign_in(Client(), StaffFactory())

    pages = [
        admin.get(reverse("admin:accounts_outgoingmail_changelist")),
        admin.get(reverse("admin:accounts_outgoingmail_change", args=[kept.pk])),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert all(kept.subject in page.content.decode() for page in pages)
    assert not any(link in page.content.decode() for page in pages)
    assert not any("/s/" in page.content.decode() for page in pages)


@pytest.mark.django_db
def test_smtp_errors_are_retried_only_while_they_may_pass():
    from accounts.tasks import is_permanent

    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"No such mailbox")})
    busy = smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"Mailbox busy")})

    assert is_permanent(refused)
    assert not is_permanent(busy)
    assert not is_permanent(smtplib.SMTPServerDisconnected("gone"))
    assert not is_permanent(ConnectionRefusedError(111, "Connection refused"))
