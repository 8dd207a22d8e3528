"""Delivering queued mail: one task per message, retried with growing delays.

``accounts.mail.send_templated_mail`` renders a message and stores it as an
:class:`~accounts.models.OutgoingMail` in the transaction of the step that causes it;
``enqueue_delivery`` queues :func:`deliver_mail` for it. With the database backend
(production, ``manage.py db_worker`` runs the tasks) a message the SMTP server refuses, or a
server that cannot be reached, is tried again after ``MAIL_RETRY_DELAYS``; after the last
delay it is kept as failed, in the admin, where it can be sent again. With the immediate
backend (the embedded default) the task runs as the transaction commits, and a failure
keeps the message at once: that backend cannot wait.

django-tasks retries nothing itself: a failed attempt enqueues the next one, in the same
transaction that records it.
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from .models import OutgoingMail

logger = logging.getLogger(__name__)


@task()
def deliver_mail(mail_id: int) -> str:
    """Send one queued message, once.

    The row is locked while the message goes, so that a task that runs twice (or twice at
    once) sends it once: the second run finds it sent and does nothing.
    """
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status != OutgoingMail.Status.QUEUED:
            return "nothing to do"
        now = timezone.now()
        mail.attempts += 1
        if mail.expires_at is not None and now >= mail.expires_at:
            # A sign-in link that can no longer be used is not worth sending, nor keeping.
            mail.body_text = mail.body_html = ""
            return _keep(mail, "Expired before it could be sent.")
        try:
            mail.message().send()
        except (smtplib.SMTPException, OSError) as error:
            return _failed(mail, error, now)
        except Exception as error:
            # Not the server: a message that cannot be sent as it is. Kept, never retried.
            logger.exception("Mail %s cannot be sent", mail.pk)
            return _keep(mail, describe(error))
        mail.status = OutgoingMail.Status.SENT
        mail.sent_at = now
        mail.next_attempt_at = None
        # Gone from the table once delivered: the queue is no archive of messages (or of
        # sign-in links, which are credentials while they are valid).
        mail.body_text = mail.body_html = ""
        mail.save()
        return "sent"


def enqueue_delivery(mail: OutgoingMail, *, run_after: datetime | None = None) -> None:
    """Queue the task that sends this mail, to be run once the current transaction commits.

    With the database backend the task's row is written in the current transaction, beside
    the mail's own: both exist from the commit on, or neither does, so a message cannot be
    stored without its task (nor a task run for a step that was rolled back). Any other
    backend is handed the task when the transaction commits.
    """
    queued = deliver_mail
    backend = queued.get_backend()
    if mail.priority and backend.supports_priority:
        queued = queued.using(priority=mail.priority)
    if run_after is not None:
        queued = queued.using(run_after=run_after)
    if _stores_tasks_beside(backend, OutgoingMail):
        queued.enqueue(mail.pk)
    else:
        transaction.on_commit(lambda: queued.enqueue(mail.pk))


def _stores_tasks_beside(backend, model) -> bool:
    if not isinstance(backend, DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == router.db_for_write(model)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after this many failed attempts; None past the last one."""
    delays = settings.MAIL_RETRY_DELAYS
    return delays[attempts - 1] if attempts <= len(delays) else None


def is_permanent(error: Exception) -> bool:
    """Every recipient refused with a 5xx code: sending the same again will not help."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        isinstance(answer, tuple) and 500 <= int(answer[0]) < 600
        for answer in error.recipients.values()
    )


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _failed(mail: OutgoingMail, error: Exception, now: datetime) -> str:
    delay = None if is_permanent(error) else retry_delay(mail.attempts)
    if delay is None or not deliver_mail.get_backend().supports_defer:
        logger.error("Mail %s not sent (attempt %d), kept: %s", mail.pk, mail.attempts, error)
        return _keep(mail, describe(error))
    mail.last_error = describe(error)
    mail.next_attempt_at = now + delay
    mail.save()
    enqueue_delivery(mail, run_after=mail.next_attempt_at)
    logger.warning(
        "Mail %s not sent (attempt %d): %s; next attempt at %s",
        mail.pk,
        mail.attempts,
        error,
        mail.next_attempt_at.isoformat(),
    )
    return "retry"


def _keep(mail: OutgoingMail, error: str) -> str:
    mail.status = OutgoingMail.Status.FAILED
    mail.last_error = error
    mail.next_attempt_at = None
    mail.save()
    return "failed"


def send_again(mails) -> int:
    """Queue kept messages again, each with a new round of attempts; returns how many.

    ``mails``: a queryset of OutgoingMail. Only those kept after failing, and not expired
    (a sign-in link past its time), go again.
    """
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for mail in (
            OutgoingMail.objects.select_for_update()
            .filter(pk__in=mails.values("pk"), status=OutgoingMail.Status.FAILED)
            .exclude(expires_at__lte=now)
            .order_by("pk")
        ):
            mail.status = OutgoingMail.Status.QUEUED
            mail.attempts = 0
            mail.next_attempt_at = now
            mail.save()
            enqueue_delivery(mail)
            count += 1
    return count
