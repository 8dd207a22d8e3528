import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms import modelform_factory
from django.utils import timezone

from accreditation import services
from accreditation.models import Application, Document, Status, StatusChange
from accreditation.uploads import check_upload
from events.models import Call
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    application_in,
    complete_application,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

ALL_STATUSES = list(Status)


def take_step(application, target, actor, note=""):
    # A draft becomes submitted only with a reference, which submission gives.
    if application.status == Status.DRAFT and target == Status.SUBMITTED:
        with transaction.atomic():
            services.submit_application(application=application, by=actor)
            StatusChange.objects.filter(application=application).update(note=note)
        return
    services.transition(application=application, to=target, by=actor, note=note)


@pytest.mark.parametrize("current", ALL_STATUSES)
@pytest.mark.parametrize("target", ALL_STATUSES)
def test_exactly_the_allowed_steps_succeed_and_each_is_recorded(current, target):
    application = application_in(current)
    actor = UserFactory(is_staff=True)
    allowed = target in services.ALLOWED_STEPS[current]

    if allowed:
        take_step(application, target, actor, note="why")
    else:
        with pytest.raises(services.NotAllowed):
            take_step(application, target, actor)

    application.refresh_from_db()
    history = list(application.history.values_list("from_status", "to_status", "actor", "note"))
    assert application.status == (target if allowed else current)
    assert history == ([(current, target, actor.pk, "why")] if allowed else [])


def test_the_status_is_in_no_form():
    form_class = modelform_factory(Application, exclude=[])

    assert "status" not in form_class.base_fields
    assert "reference" not in form_class.base_fields


def test_submitting_gives_a_reference_records_the_step_and_mails_every_focal_point():
    application = complete_application()
    english = application.organization.memberships.get().user
    french = FocalPointFactory(
        organization=application.organization, user=UserFactory(preferred_language="fr")
    ).user
    year = application.call.deadline.astimezone(application.call.tzinfo).year

    result = services.submit_application(application=application, by=english)

    application.refresh_from_db()
    assert result.already is False
    assert application.status == Status.SUBMITTED
    assert re.fullmatch(rf"SA-{year}-\d{{5}}", application.reference)
    assert application.submitted_at is not None
    assert list(application.history.values_list("from_status", "to_status")) == [
        (Status.DRAFT, Status.SUBMITTED)
    ]
    messages = {tuple(message.to): message for message in mail.outbox}
    assert set(messages) == {(english.email,), (french.email,)}
    assert messages[(english.email,)].subject == f"Application {application.reference} received"
    assert application.reference in messages[(french.email,)].body
    assert messages[(french.email,)].subject != messages[(english.email,)].subject
    assert messages[(english.email,)].alternatives[0][1] == "text/html"


def test_references_follow_each_other_within_a_year():
    first = complete_application()
    second = complete_application(ApplicationFactory(call=first.call))

    services.submit_application(application=first, by=first.organization.memberships.get().user)
    services.submit_application(application=second, by=second.organization.memberships.get().user)

    first.refresh_from_db()
    second.refresh_from_db()
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1


def test_a_second_submit_changes_nothing():
    application = complete_application()
    by = application.organization.memberships.get().user
    services.submit_application(application=application, by=by)
    reference = Application.objects.get(pk=application.pk).reference

    again = services.submit_application(application=application, by=by)

    assert again.already is True
    assert Application.objects.get(pk=application.pk).reference == reference
    assert StatusChange.objects.filter(application=application).count() == 1
    assert len(mail.outbox) == 1


def test_an_incomplete_application_is_refused_with_what_is_missing():
    application = ApplicationFactory(reason="")
    by = FocalPointFactory(organization=application.organization).user

    with pytest.raises(services.NotAllowed) as refused:
        services.submit_application(application=application, by=by)

    assert "the reason for participation" in refused.value.message
    assert "Proof of legal status" in refused.value.message
    assert "Letter from the head of the organization" in refused.value.message
    assert "acknowledgement" in refused.value.message
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT


def test_a_reason_over_the_call_s_word_limit_is_refused_at_submission():
    application = complete_application(
        ApplicationFactory(
            call=CallFactory(reason_word_limit=5), reason="one two three four five six"
        )
    )

    with pytest.raises(services.NotAllowed) as refused:
        services.submit_application(
            application=application, by=application.organization.memberships.get().user
        )

    assert "at most 5 words (it has 6)" in refused.value.message


@pytest.mark.parametrize(("offset", "accepted"), [(timedelta(seconds=-1), True), (timedelta(0), False), (timedelta(days=2), False)])  # fmt: skip
def test_the_deadline_is_checked_at_the_instant_of_submission(offset, accepted):
    application = complete_application()
    by = application.organization.memberships.get().user

    with time_machine.travel(application.call.deadline + offset, tick=False):
        if accepted:
            services.submit_application(application=application, by=by)
        else:
            with pytest.raises(services.NotAllowed) as refused:
                services.submit_application(application=application, by=by)
            assert "The deadline has passed" in refused.value.message

    assert Application.objects.get(pk=application.pk).status == (
        Status.SUBMITTED if accepted else Status.DRAFT
    )


def test_after_the_deadline_a_draft_cannot_be_changed():
    application = complete_application()
    by = application.organization.memberships.get().user

    with (
        time_machine.travel(application.call.deadline, tick=False),
        pytest.raises(services.NotAllowed),
    ):
        services.save_draft(
            application=application, by=by, reason="changed", meetings=[], acknowledged=True
        )

    assert Application.objects.get(pk=application.pk).reason != "changed"


def test_what_was_submitted_in_time_is_kept_after_the_deadline():
    application = complete_application()
    by = application.organization.memberships.get().user
    services.submit_application(application=application, by=by)

    with time_machine.travel(application.call.deadline + timedelta(days=30), tick=False):
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
        assert application.documents.filter(replaced_at=None).count() == 2


def test_an_answer_to_a_request_for_information_can_be_resubmitted_after_the_deadline():
    application = complete_application()
    by = application.organization.memberships.get().user
    services.submit_application(application=application, by=by)
    reference = Application.objects.get(pk=application.pk).reference
    services.transition(
        application=Application.objects.get(pk=application.pk),
        to=Status.INFORMATION_REQUESTED,
        by=UserFactory(is_staff=True),
    )

    with time_machine.travel(application.call.deadline + timedelta(days=3), tick=False):
        services.save_draft(
            application=application,
            by=by,
            reason="A fuller answer.",
            meetings=application.meetings.all(),
            acknowledged=True,
        )
        services.submit_application(application=application, by=by)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.reference == reference
    assert application.reason == "A fuller answer."


def test_a_submitted_application_cannot_be_changed_by_the_applicant():
    application = complete_application()
    by = application.organization.memberships.get().user
    services.submit_application(application=application, by=by)

    with pytest.raises(services.NotAllowed):
        services.save_draft(
            application=application, by=by, reason="rewritten", meetings=[], acknowledged=True
        )


@pytest.mark.parametrize(
    "status", [Status.SUBMITTED, Status.INFORMATION_REQUESTED, Status.UNDER_REVIEW]
)
def test_an_application_awaiting_a_decision_can_be_withdrawn(status):
    application = application_in(status)

    services.withdraw_application(
        application=application,
        by=application.organization.memberships.get().user,
        note="The meeting clashes.",
    )

    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.history.get().note == "The meeting clashes."


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.RECOMMENDED, Status.ACCREDITED, Status.WITHDRAWN]
)
def test_a_decided_or_unsent_application_cannot_be_withdrawn(status):
    application = application_in(status)

    with pytest.raises(services.NotAllowed):
        services.withdraw_application(
            application=application, by=application.organization.memberships.get().user
        )


def test_an_organization_in_ecosoc_status_cannot_apply_to_a_call_for_others():
    organization = OrganizationFactory(in_ecosoc_status=True)
    focal_point = FocalPointFactory(organization=organization).user
    call = CallFactory(eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS)

    with pytest.raises(services.NotAllowed) as refused:
        services.start_application(organization=organization, call=call, by=focal_point)

    assert "NGO Branch of UN DESA" in refused.value.message
    assert not Application.objects.exists()


def test_an_organization_that_becomes_ecosoc_cannot_submit_its_draft():
    application = complete_application()
    application.organization.in_ecosoc_status = True
    application.organization.save()

    with pytest.raises(services.NotAllowed):
        services.submit_application(
            application=application, by=application.organization.memberships.get().user
        )


def test_an_organization_in_ecosoc_status_can_apply_to_a_call_open_to_all():
    organization = OrganizationFactory(in_ecosoc_status=True)

    application = services.start_application(
        organization=organization,
        call=CallFactory(eligibility=Call.Eligibility.ALL),
        by=FocalPointFactory(organization=organization).user,
    )

    assert application.status == Status.DRAFT


def test_one_application_per_organization_and_call():
    application = ApplicationFactory()

    again = services.start_application(
        organization=application.organization, call=application.call, by=UserFactory()
    )

    assert again == application
    assert Application.objects.count() == 1


def test_replacing_a_submitted_document_keeps_the_earlier_version():
    application = application_in(Status.INFORMATION_REQUESTED)
    Document.objects.filter(application=application).update(submitted_at=timezone.now())
    by = application.organization.memberships.get().user

    services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=check_upload(SimpleUploadedFile("new.pdf", pdf_bytes(2))),
        by=by,
    )

    versions = application.documents.filter(kind=Document.Kind.LEGAL_STATUS).order_by(
        "uploaded_at", "pk"
    )
    assert [doc.is_current for doc in versions] == [False, True]
    assert versions.last().original_name == "new.pdf"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_references():
    applications = [complete_application(ApplicationFactory(call=CallFactory())) for _ in range(8)]
    submitters = [application.organization.memberships.get().user for application in applications]
    barrier = threading.Barrier(len(applications))
    errors = []

    def submit(application, by):
        try:
            barrier.wait()
            services.submit_application(application=application, by=by)
        except Exception as error:  # reported below, with the thread's own traceback lost
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=pair)
        for pair in zip(applications, submitters, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    references = list(Application.objects.values_list("reference", flat=True))
    assert errors == []
    assert len(references) == len(set(references)) == 8
    assert all(reference for reference in references)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_submit_makes_one_submission():
    application = complete_application()
    by = application.organization.memberships.get().user
    barrier = threading.Barrier(2)
    results = []

    def submit():
        try:
            barrier.wait()
            results.append(services.submit_application(application=application, by=by).already)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert StatusChange.objects.filter(application=application).count() == 1


def test_the_confirmation_mail_lists_the_current_documents_only():
    application = complete_application()
    by = application.organization.memberships.get().user
    services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=check_upload(SimpleUploadedFile("new-proof.pdf", pdf_bytes())),
        by=by,
    )

    services.submit_application(application=application, by=by)

    (documents_line,) = [
        line for line in mail.outbox[0].body.splitlines() if line.startswith("Documents:")
    ]
    assert documents_line.count("new-proof.pdf") == 1
    assert "legal_status.pdf" not in documents_line
    assert not documents_line.rstrip().endswith(";")
