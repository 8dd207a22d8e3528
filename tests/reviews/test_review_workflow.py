"""Staff review, end to end: roles, the one state machine, reviewers acting at once, the record,
requests for information and the mail each decision sends."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape as html_escape
from django.utils.html import strip_tags

from accounts.models import OutgoingMail, SecondFactor
from accreditation import services
from accreditation.models import (
    Application,
    Document,
    DocumentEvent,
    StaffNote,
    Status,
    StatusChange,
)
from accreditation.uploads import check_upload
from reviews import selectors as review_selectors
from reviews import services as review_services
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    MeetingFactory,
    StaffFactory,
    UserFactory,
    application_in,
    complete_application,
    pdf_bytes,
)
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db

ROLE_GROUPS = {
    "reviewer": "Reviewers",
    "pga_office": "PGA office",
    "administrator": "Administrators",
    "delegate": "Member State delegates",
}
STAFF_ROLES = ["reviewer", "pga_office", "administrator"]
OUTSIDERS = ["delegate", "applicant"]


# People, clients and applications -------------------------------------------------


def person(role: str, **fields):
    """Someone as the role makes them: staff status and a group, a delegate, or a focal point.

    The groups are the ones the data migration created; none is made here.
    """
    if role == "applicant":
        # A focal point of an organization of their own, not of the application under test.
        return FocalPointFactory(user=UserFactory(**fields)).user
    user = UserFactory(is_staff=role != "delegate", **fields)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    if role == "delegate":
        # Delegates have an authenticator, and pass it in their session.
        SecondFactor.objects.create(user=user, secret="A" * 32, confirmed_at=user.date_joined)
    return user


def client_for(user) -> Client:
    """A browser signed in as this person, second factor passed."""
    return sign_in(Client(), user)


def focal_point_of(application: Application):
    return application.organization.memberships.order_by("pk").first().user


def submitted_application() -> Application:
    application = complete_application()
    services.submit_application(application=application, by=focal_point_of(application))
    application.refresh_from_db()
    return application


def status_of(application: Application) -> str:
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def review_url(application: Application, action: str) -> str:
    return reverse("admin:accreditation_application_review", args=[application.pk, action])


def change_url(application: Application) -> str:
    return reverse("admin:accreditation_application_change", args=[application.pk])


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def page_text(response) -> str:
    """What a person reads on the page: tags gone, spaces collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


def pdf_upload(name: str, pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


# 1. Roles ---------------------------------------------------------------------------

EXPECTED_PERMISSIONS = {
    "Reviewers": {
        "accreditation.view_application",
        "accreditation.review_application",
        "accreditation.view_organization",
        "accreditation.view_document",
        "accreditation.view_statuschange",
        "accreditation.view_documentevent",
        "accreditation.view_staffnote",
        "accreditation.add_staffnote",
        "accreditation.view_ecosocorganization",
        "accreditation.add_ecosocorganization",
        "events.view_call",
        "events.view_meeting",
        "events.view_venue",
        "registration.view_ecosocconfirmation",
        "registration.decide_ecosocconfirmation",
    },
    "PGA office": {
        "accreditation.view_application",
        "accreditation.view_organization",
        "accreditation.view_document",
        "accreditation.view_statuschange",
        "accreditation.view_staffnote",
        "accreditation.add_staffnote",
        "events.view_call",
        "events.view_meeting",
        "events.view_venue",
        "reviews.draw_up_memberstatelist",
        "registration.view_representative",
        "registration.view_registrationevent",
        "registration.view_ecosocconfirmation",
    },
    "Member State delegates": set(),
    "Administrators": {
        "events.add_call", "events.change_call", "events.view_call", "events.delete_call",
        "events.add_meeting", "events.change_meeting", "events.view_meeting", "events.delete_meeting",
        "events.add_venue", "events.change_venue", "events.view_venue", "events.delete_venue",
        "accounts.add_user", "accounts.change_user", "accounts.view_user",
        "accounts.view_securityevent",
        "accounts.view_outgoingmail", "accounts.resend_outgoingmail",
        "auth.view_group",
        "accreditation.view_application",
        "accreditation.view_organization",
        "accreditation.view_statuschange", "accreditation.view_documentevent",
        "accreditation.view_ecosocorganization", "accreditation.add_ecosocorganization",
        "registration.view_representative", "registration.view_registrationevent",
        "registration.view_ecosocconfirmation",
    },
}  # fmt: skip


def test_the_migrations_create_the_four_roles_with_their_permissions():
    granted = {
        group.name: {
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.select_related("content_type")
        }
        for group in Group.objects.filter(name__in=EXPECTED_PERMISSIONS)
    }

    assert granted == EXPECTED_PERMISSIONS


def test_only_reviewers_may_move_applications_and_nobody_may_edit_the_record():
    movers = Group.objects.filter(permissions__codename="review_application")
    record_editors = Group.objects.filter(
        permissions__codename__regex=r"^(change|delete)_(statuschange|documentevent|staffnote)$"
    )

    assert [group.name for group in movers] == ["Reviewers"]
    assert list(record_editors) == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reviewer", 200), ("pga_office", 200), ("administrator", 200), ("delegate", 302), ("applicant", 302)],
)  # fmt: skip
def test_the_applications_list_and_page_open_for_staff_roles_only(role, expected):
    application = submitted_application()
    browser = client_for(person(role))

    listing = browser.get(reverse("admin:accreditation_application_changelist"))
    page = browser.get(change_url(application))

    assert (listing.status_code, page.status_code) == (expected, expected)
    if expected == 302:
        assert sent_to_sign_in(listing)
        assert sent_to_sign_in(page)


def test_a_reviewer_takes_a_step_from_the_applications_page():
    application = submitted_application()
    reviewer = person("reviewer")

    response = client_for(reviewer).post(review_url(application, "start_review"), follow=True)

    change = StatusChange.objects.get(application=application, to_status=Status.UNDER_REVIEW)
    assert status_of(application) == Status.UNDER_REVIEW
    assert (change.actor, change.role) == (reviewer, "Reviewers")
    assert "Done: Start review." in page_text(response)


@pytest.mark.parametrize("role", ["pga_office", "administrator"])
def test_other_staff_are_refused_a_review_step(role):
    application = submitted_application()
    browser = client_for(person(role))

    page = browser.get(change_url(application))
    response = browser.post(review_url(application, "start_review"), follow=True)

    assert 'id="review-actions"' not in page.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in page_text(response)
    assert status_of(application) == Status.SUBMITTED
    assert application.history.count() == 1  # the submission only


@pytest.mark.parametrize("role", OUTSIDERS)
def test_delegates_and_applicants_never_reach_a_review_step(role):
    application = submitted_application()
    # For the applicant role, even the application's own focal point.
    applicant = focal_point_of(application) if role == "applicant" else person(role)

    response = client_for(applicant).post(review_url(application, "start_review"))

    assert sent_to_sign_in(response)
    assert status_of(application) == Status.SUBMITTED
    assert application.history.count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("reviewer", True), ("pga_office", True), ("administrator", False)],
)
def test_internal_notes_are_added_by_reviewers_and_the_pga_office(role, allowed):
    application = submitted_application()
    author = person(role)

    response = client_for(author).post(
        reverse("admin:accreditation_application_note", args=[application.pk]),
        {"text": "  Seen at the 2029 forum.  "},
    )

    notes = list(StaffNote.objects.filter(application=application).values_list("author", "text"))
    assert response.status_code == (302 if allowed else 403)
    assert notes == ([(author.pk, "Seen at the 2029 forum.")] if allowed else [])


@pytest.mark.parametrize("role", OUTSIDERS)
def test_delegates_and_applicants_cannot_add_internal_notes(role):
    application = submitted_application()

    response = client_for(person(role)).post(
        reverse("admin:accreditation_application_note", args=[application.pk]),
        {"text": "Let us in."},
    )

    assert sent_to_sign_in(response)
    assert not StaffNote.objects.filter(application=application).exists()


@pytest.mark.parametrize(
    ("role", "offered", "moved"),
    [
        ("reviewer", True, True),
        ("pga_office", False, False),
        ("administrator", False, False),
        ("delegate", False, False),
        ("applicant", False, False),
    ],
)
def test_the_bulk_start_review_works_for_reviewers_only(role, offered, moved):
    first, second = submitted_application(), submitted_application()
    browser = client_for(person(role))
    changelist = reverse("admin:accreditation_application_changelist")

    listing = browser.get(changelist)
    response = browser.post(
        changelist,
        {"action": "start_review", "_selected_action": [first.pk, second.pk], "confirm": "yes"},
    )

    assert ('value="start_review"' in listing.content.decode()) is offered
    if role in OUTSIDERS:
        assert sent_to_sign_in(response)
    expected = Status.UNDER_REVIEW if moved else Status.SUBMITTED
    assert (status_of(first), status_of(second)) == (expected, expected)
    assert StatusChange.objects.filter(to_status=Status.UNDER_REVIEW).count() == (2 if moved else 0)


def test_a_bulk_recommendation_decides_and_mails_each_application():
    first, second = application_in(Status.UNDER_REVIEW), application_in(Status.UNDER_REVIEW)
    reviewer = person("reviewer")

    client_for(reviewer).post(
        reverse("admin:accreditation_application_changelist"),
        {"action": "recommend", "_selected_action": [first.pk, second.pk], "confirm": "yes"},
    )

    assert (status_of(first), status_of(second)) == (Status.RECOMMENDED, Status.RECOMMENDED)
    assert (
        list(StatusChange.objects.filter(to_status=Status.RECOMMENDED).values_list("actor", "role"))
        == [(reviewer.pk, "Reviewers")] * 2
    )
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [focal_point_of(first).email, focal_point_of(second).email]
    )


def test_a_bulk_step_refuses_what_it_does_not_apply_to_and_does_the_rest():
    waiting, already = submitted_application(), application_in(Status.RECOMMENDED)

    response = client_for(person("reviewer")).post(
        reverse("admin:accreditation_application_changelist"),
        {"action": "start_review", "_selected_action": [waiting.pk, already.pk], "confirm": "yes"},
        follow=True,
    )

    text = page_text(response)
    assert (status_of(waiting), status_of(already)) == (Status.UNDER_REVIEW, Status.RECOMMENDED)
    assert "1 application done." in text
    assert "“Start review” is not possible: the application is now “Recommended”." in text


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reviewer", 200), ("pga_office", 200), ("administrator", 404), ("delegate", 404), ("applicant", 404)],
)  # fmt: skip
def test_documents_download_for_reviewers_and_the_pga_office_only(role, expected):
    # Administrators keep calls and people; an organization's papers are not theirs to read.
    # For the applicant role: a focal point of another organization.
    document = submitted_application().documents.first()

    response = finish(client_for(person(role)).get(document.get_absolute_url()))

    assert response.status_code == expected


def test_the_applicant_downloads_their_own_documents():
    application = submitted_application()
    document = application.documents.first()

    response = finish(client_for(focal_point_of(application)).get(document.get_absolute_url()))

    assert response.status_code == 200


# 2. One state machine ---------------------------------------------------------------


# The review steps as the issue describes them: from which statuses each may be taken, and
# the status it leads to. Written out here, so that a change to the table in the services
# has to be a change to this specification too.
EXPECTED_STEPS = {
    "start_review": ({Status.SUBMITTED}, Status.UNDER_REVIEW),
    "request_information": (
        {Status.SUBMITTED, Status.UNDER_REVIEW},
        Status.INFORMATION_REQUESTED,
    ),
    "recommend": ({Status.UNDER_REVIEW}, Status.RECOMMENDED),
    # Also when the applicant never answers a request for information.
    "not_recommend": (
        {Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED},
        Status.NOT_RECOMMENDED,
    ),
    "reopen": ({Status.RECOMMENDED, Status.NOT_RECOMMENDED}, Status.UNDER_REVIEW),
}


def test_the_review_steps_are_the_specified_ones_and_each_is_a_step_of_the_state_machine():
    actual = {
        name: (set(action.sources), action.target)
        for name, action in review_services.REVIEW_ACTIONS.items()
    }

    assert actual == EXPECTED_STEPS
    assert all(
        target in services.ALLOWED_STEPS[source]
        for sources, target in EXPECTED_STEPS.values()
        for source in sources
    )


@pytest.mark.parametrize("action", list(review_services.REVIEW_ACTIONS))
@pytest.mark.parametrize("current", list(Status))
def test_every_review_step_is_allowed_exactly_from_its_sources_and_recorded(current, action):
    application = application_in(current)
    reviewer = person("reviewer")
    sources, target = EXPECTED_STEPS[action]
    allowed = current in sources

    def take():
        return review_services.review(
            application=application,
            action=action,
            by=reviewer,
            message="Please say more about your work with migrants.",
            internal_reason="Checked against the list of 2029.",
        )

    if allowed:
        take()
    else:
        with pytest.raises(services.NotAllowed):
            take()

    history = list(
        application.history.values_list(
            "actor", "role", "from_status", "to_status", "note", "message"
        )
    )
    assert status_of(application) == (target if allowed else current)
    assert history == (
        [
            (
                reviewer.pk,
                "Reviewers",
                current,
                target,
                "Checked against the list of 2029.",
                "Please say more about your work with migrants.",
            )
        ]
        if allowed
        else []
    )
    if not allowed:
        assert mail.outbox == []


def test_the_steps_a_page_offers_are_exactly_the_allowed_ones():
    offered = {
        status: {
            action.name for action in review_services.available_actions(application_in(status))
        }
        for status in Status
    }

    assert offered == {
        status: {name for name, (sources, _target) in EXPECTED_STEPS.items() if status in sources}
        for status in Status
    }


def test_the_applications_page_shows_only_the_buttons_of_the_allowed_steps():
    application = application_in(Status.UNDER_REVIEW)

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    shown = set(re.findall(r'/review/([a-z_]+)/"', html))
    assert shown == {"request_information", "recommend", "not_recommend"}


def test_the_status_cannot_be_changed_by_a_reviewer_posting_the_change_form():
    application = submitted_application()

    response = client_for(person("reviewer")).post(
        change_url(application), {"status": Status.RECOMMENDED, "_save": "Save"}
    )

    assert response.status_code == 403
    assert status_of(application) == Status.SUBMITTED
    assert application.history.count() == 1


def test_the_status_cannot_be_changed_by_a_superuser_posting_the_change_form():
    application = submitted_application()

    client_for(StaffFactory()).post(
        change_url(application),
        {"status": Status.ACCREDITED, "reference": "SA-1999-99999", "_save": "Save"},
    )

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.reference.startswith("SA-")
    assert application.reference != "SA-1999-99999"
    assert application.history.count() == 1


def test_a_superuser_posting_the_change_form_changes_nothing_of_a_submitted_application():
    application = submitted_application()
    meetings = list(application.meetings.all())

    client_for(StaffFactory()).post(change_url(application), {"_save": "Save"})

    assert list(application.meetings.all()) == meetings


@pytest.mark.parametrize(
    ("action", "fields", "refusal"),
    [
        (
            "not_recommend",
            {"message": "We cannot recommend it.", "internal_reason": "   "},
            "Give the internal reason for not recommending.",
        ),
        (
            "request_information",
            {"message": " \n ", "internal_reason": "Unclear mandate."},
            "Write the message the applicant will receive.",
        ),
    ],
)
def test_a_step_that_needs_words_is_refused_without_them(action, fields, refusal):
    application = application_in(Status.UNDER_REVIEW)
    reviewer = person("reviewer")

    with pytest.raises(services.NotAllowed) as refused:
        review_services.review(application=application, action=action, by=reviewer, **fields)
    response = client_for(reviewer).post(review_url(application, action), fields, follow=True)

    assert refused.value.message == refusal
    assert refusal in page_text(response)
    assert status_of(application) == Status.UNDER_REVIEW
    assert not application.history.exists()
    assert mail.outbox == []


def test_opening_a_step_s_address_changes_nothing():
    application = submitted_application()

    response = client_for(person("reviewer")).get(review_url(application, "start_review"))

    assert response["Location"] == change_url(application)
    assert status_of(application) == Status.SUBMITTED


def test_an_unknown_step_is_refused():
    application = submitted_application()

    response = client_for(person("reviewer")).post(review_url(application, "accredit"))

    assert response.status_code == 403
    assert status_of(application) == Status.SUBMITTED


# 3. Reviewers acting at once (PostgreSQL) --------------------------------------------


def at_once(*actions):
    """Run each action in its own thread, all released together; their results or errors."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# Without the row lock the race is lost only now and then: it is run several times, each
# time on an application of its own, so that a missing lock fails the test reliably.
ROUNDS = 8


def outcome_of(outcomes, application) -> tuple:
    """How many steps succeeded, how many were refused, and how many were recorded."""
    return (
        sum(isinstance(outcome, Application) for outcome in outcomes),
        sum(isinstance(outcome, services.NotAllowed) for outcome in outcomes),
        StatusChange.objects.filter(application=application).count(),
    )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_make_one_decision():
    first, second = person("reviewer"), person("reviewer")
    results, refusals = [], []

    for _ in range(ROUNDS):
        application = application_in(Status.UNDER_REVIEW)
        outcomes = at_once(
            lambda application=application: review_services.review(
                application=application, action="recommend", by=first
            ),
            lambda application=application: review_services.review(
                application=application,
                action="not_recommend",
                by=second,
                internal_reason="Not an organization working on migration.",
            ),
        )
        recorded = StatusChange.objects.filter(application=application).first()
        results.append(
            (
                *outcome_of(outcomes, application),
                status_of(application) == getattr(recorded, "to_status", None),
            )
        )
        refusals += [str(outcome) for outcome in outcomes if isinstance(outcome, Exception)]

    assert results == [(1, 1, 1, True)] * ROUNDS
    assert all("is not possible: the application is now" in message for message in refusals)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_starting_the_review_at_once_start_it_once():
    first, second = person("reviewer"), person("reviewer")
    results = []

    for _ in range(ROUNDS):
        application = application_in(Status.SUBMITTED)
        outcomes = at_once(
            lambda application=application: review_services.review(
                application=application, action="start_review", by=first
            ),
            lambda application=application: review_services.review(
                application=application, action="start_review", by=second
            ),
        )
        results.append((*outcome_of(outcomes, application), status_of(application)))

    assert results == [(1, 1, 1, Status.UNDER_REVIEW)] * ROUNDS


# 4. The record --------------------------------------------------------------------


def test_uploads_replacements_and_removals_are_each_recorded_with_who_and_in_which_role():
    application = complete_application()
    applicant = application.organization.memberships.get().user
    first = application.documents.get(kind=Document.Kind.LEGAL_STATUS)
    extra = services.add_document(
        application=application,
        kind=Document.Kind.OTHER,
        checked=check_upload(pdf_upload("annual-report.pdf")),
        by=applicant,
    )
    services.submit_application(application=application, by=applicant)
    # The applicant answers a request: submitted documents are replaced and removed.
    Application.objects.filter(pk=application.pk).update(status=Status.INFORMATION_REQUESTED)
    second = services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=check_upload(pdf_upload("statutes-2030.pdf", pages=2)),
        by=applicant,
    )
    services.remove_document(document=extra, by=applicant)

    events = list(
        DocumentEvent.objects.filter(document__in=[first, second, extra]).values_list(
            "document", "kind", "actor", "role"
        )
    )
    assert events == [
        (first.pk, DocumentEvent.Kind.UPLOADED, applicant.pk, "Applicant"),
        (extra.pk, DocumentEvent.Kind.UPLOADED, applicant.pk, "Applicant"),
        (second.pk, DocumentEvent.Kind.REPLACED, applicant.pk, "Applicant"),
        (extra.pk, DocumentEvent.Kind.REMOVED, applicant.pk, "Applicant"),
    ]
    # Nothing submitted is lost: the replaced and the removed files stay for staff to see.
    assert Document.objects.filter(application=application).count() == 4


def a_record_of_each_kind():
    application = submitted_application()
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.add_staff_note(application=application, by=reviewer, text="Looks genuine.")
    return {
        "statuschange": StatusChange.objects.filter(application=application).first(),
        "documentevent": DocumentEvent.objects.filter(application=application).first(),
        "staffnote": StaffNote.objects.get(application=application),
    }


@pytest.mark.parametrize("model", ["statuschange", "documentevent", "staffnote"])
def test_the_record_cannot_be_added_to_edited_or_deleted_in_the_admin_even_by_a_superuser(model):
    record = a_record_of_each_kind()[model]
    model_class = type(record)
    before = list(model_class.objects.order_by("pk").values())
    browser = client_for(StaffFactory())
    add_url = reverse(f"admin:accreditation_{model}_add")
    change = reverse(f"admin:accreditation_{model}_change", args=[record.pk])
    delete = reverse(f"admin:accreditation_{model}_delete", args=[record.pk])

    listing = browser.get(reverse(f"admin:accreditation_{model}_changelist"))
    page = browser.get(change)
    responses = {
        "add page": browser.get(add_url).status_code,
        "add post": browser.post(add_url, {"note": "forged", "text": "forged"}).status_code,
        "change post": browser.post(change, {"note": "forged", "text": "forged"}).status_code,
        "delete page": browser.get(delete).status_code,
        "delete post": browser.post(delete, {"post": "yes"}).status_code,
        "bulk delete": browser.post(
            reverse(f"admin:accreditation_{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
        ).status_code,
    }

    assert listing.status_code == 200
    assert add_url not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert responses == {
        "add page": 403,
        "add post": 403,
        "change post": 403,
        "delete page": 403,
        "delete post": 403,
        # No such action: the list answers "No action selected." and deletes nothing.
        "bulk delete": 200,
    }
    assert list(model_class.objects.order_by("pk").values()) == before


def test_applications_cannot_be_added_or_deleted_in_the_admin_even_by_a_superuser():
    application = submitted_application()
    browser = client_for(StaffFactory())

    adding = browser.get(reverse("admin:accreditation_application_add"))
    deleting = browser.post(
        reverse("admin:accreditation_application_delete", args=[application.pk]), {"post": "yes"}
    )

    assert (adding.status_code, deleting.status_code) == (403, 403)
    assert Application.objects.filter(pk=application.pk).exists()


def timeline_entries(html: str) -> list[str]:
    block = re.search(r'id="timeline">(.*?)</ol>', html, re.S).group(1)
    return [
        " ".join(strip_tags(item).split()) for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def test_the_timeline_lists_everything_in_time_order_with_who_and_in_which_role():
    with time_machine.travel(datetime(2030, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        application = ApplicationFactory()
        applicant = FocalPointFactory(
            organization=application.organization, user=UserFactory(email="amina@example.org")
        ).user
        reviewer = person("reviewer", email="reviewer@un.example.org")
        pga = person("pga_office", email="pga@un.example.org")
        complete_application(application, by=applicant)
        clock.shift(timedelta(hours=1))
        services.submit_application(application=application, by=applicant)
        clock.shift(timedelta(hours=1))
        review_services.review(application=application, action="start_review", by=reviewer)
        clock.shift(timedelta(hours=1))
        review_services.add_staff_note(application=application, by=pga, text="Known to the office.")
        clock.shift(timedelta(hours=1))
        legal_status = application.documents.get(kind=Document.Kind.LEGAL_STATUS)
        finish(client_for(reviewer).get(legal_status.get_absolute_url()))
        clock.shift(timedelta(hours=1))
        review_services.review(
            application=application,
            action="request_information",
            by=reviewer,
            message="Please send the registration certificate.",
        )

        html = client_for(reviewer).get(change_url(application)).content.decode()

    assert timeline_entries(html) == [
        "2 March 2030, 09:00 UTC — Proof of legal status “legal_status.pdf”: uploaded by amina@example.org (Applicant)",
        "2 March 2030, 09:00 UTC — Letter from the head of the organization “head_letter.pdf”: uploaded by amina@example.org (Applicant)",
        "2 March 2030, 10:00 UTC — Draft → Submitted by amina@example.org (Applicant)",
        "2 March 2030, 11:00 UTC — Submitted → Under review by reviewer@un.example.org (Reviewers)",
        "2 March 2030, 12:00 UTC — Note by pga@un.example.org (PGA office): “Known to the office.”",
        "2 March 2030, 13:00 UTC — Proof of legal status “legal_status.pdf”: opened by reviewer@un.example.org (Reviewers)",
        "2 March 2030, 14:00 UTC — Under review → More information requested by reviewer@un.example.org (Reviewers). Message: “Please send the registration certificate.”",
    ]


def test_a_note_in_the_timeline_shows_its_authors_role():
    application = submitted_application()
    pga = person("pga_office", email="pga@un.example.org")
    review_services.add_staff_note(application=application, by=pga, text="Known to the office.")

    html = client_for(pga).get(change_url(application)).content.decode()

    assert "pga@un.example.org (PGA office)" in timeline_entries(html)[-1]


@pytest.mark.parametrize("role", ["reviewer", "pga_office"])
def test_staff_opening_a_document_is_recorded(role):
    document = submitted_application().documents.first()
    staff = person(role)

    finish(client_for(staff).get(document.get_absolute_url()))

    viewed = DocumentEvent.objects.filter(document=document, kind=DocumentEvent.Kind.VIEWED)
    assert list(viewed.values_list("actor", "role")) == [(staff.pk, ROLE_GROUPS[role])]


def test_the_applicant_opening_their_document_is_not_recorded_as_a_staff_view():
    application = submitted_application()
    document = application.documents.first()
    events_before = DocumentEvent.objects.count()

    response = finish(client_for(focal_point_of(application)).get(document.get_absolute_url()))

    assert response.status_code == 200
    assert DocumentEvent.objects.count() == events_before
    assert not DocumentEvent.objects.filter(kind=DocumentEvent.Kind.VIEWED).exists()


# 5. Requests for information ---------------------------------------------------------


def application_with_two_focal_points():
    application = ApplicationFactory()
    english = FocalPointFactory(
        organization=application.organization,
        user=UserFactory(email="amina@example.org", preferred_language="en"),
    ).user
    french = FocalPointFactory(
        organization=application.organization,
        user=UserFactory(email="claire@example.org", preferred_language="fr"),
    ).user
    complete_application(application, by=english)
    services.submit_application(application=application, by=english)
    application.refresh_from_db()
    mail.outbox.clear()
    return application, english, french


REQUEST = "Please send the registration certificate issued by the Ministry."


def test_a_request_for_information_is_mailed_to_each_focal_point_in_their_language():
    application, english, french = application_with_two_focal_points()
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)

    client_for(reviewer).post(
        review_url(application, "request_information"), {"message": REQUEST, "internal_reason": ""}
    )

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert set(by_recipient) == {(english.email,), (french.email,)}
    assert (
        by_recipient[(english.email,)].subject
        == f"More information needed for application {application.reference}"
    )
    assert (
        by_recipient[(french.email,)].subject
        == f"Complément d’information demandé pour la candidature {application.reference}"
    )
    assert "demandent un complément d’information" in by_recipient[(french.email,)].body
    assert all(REQUEST in message.body for message in mail.outbox)
    assert status_of(application) == Status.INFORMATION_REQUESTED


def request_information(application):
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(
        application=application, action="request_information", by=reviewer, message=REQUEST
    )
    return reviewer


def test_the_applicants_application_page_shows_the_request():
    application, english, _french = application_with_two_focal_points()
    request_information(application)

    text = page_text(client_for(english).get(application.get_absolute_url()))

    assert "The reviewers ask for more information" in text
    assert REQUEST in text
    # An answer is not a draft.
    assert "Save the answers" in text
    assert "Save the draft" not in text


def test_the_applicants_dashboard_shows_the_request():
    application, english, _french = application_with_two_focal_points()
    request_information(application)

    text = page_text(client_for(english).get(reverse("accreditation:dashboard")))

    assert "More information requested" in text
    assert "Answer the request for more information, then submit again." in text
    assert REQUEST in text


def test_the_applicant_answers_and_the_reviewer_sees_what_changed():
    application, english, _french = application_with_two_focal_points()
    reviewer = request_information(application)
    reference = application.reference
    applicant = client_for(english)

    saved = applicant.post(
        application.get_absolute_url(),
        {
            "reason": "We run legal clinics for migrants in Nairobi and Mombasa.",
            "meetings": [meeting.pk for meeting in application.meetings.all()],
            "acknowledged": "on",
            "legal_status": pdf_upload("legal_status.pdf", pages=2),
            "action": "review",
        },
    )
    submitted = applicant.post(reverse("accreditation:submit", args=[application.pk]))

    application.refresh_from_db()
    assert saved["Location"] == reverse("accreditation:submit", args=[application.pk])
    assert submitted["Location"] == reverse("accreditation:submitted", args=[application.pk])
    assert application.status == Status.SUBMITTED
    assert application.reference == reference
    changes = review_selectors.changes_since_previous_submission(application)
    assert len(changes) == 2, changes
    assert changes[0] == "The reason for participation was changed."
    assert changes[1].startswith("Document changed: Proof of legal status: legal_status.pdf")
    text = page_text(client_for(reviewer).get(change_url(application)))
    assert "Changed since the previous submission" in text
    assert all(change in text for change in changes)
    # The request is answered: the applicant's page shows it only in the history now.
    page = applicant.get(application.get_absolute_url()).content.decode()
    assert "The reviewers ask for more information" not in page
    assert REQUEST in page[page.index('id="history-heading"') :]


def test_an_answer_with_a_differently_named_file_lists_the_document_change():
    application, english, _french = application_with_two_focal_points()
    request_information(application)
    services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=check_upload(pdf_upload("registration-certificate.pdf", pages=2)),
        by=english,
    )

    services.submit_application(application=application, by=english)

    changes = review_selectors.changes_since_previous_submission(application)
    assert any("registration-certificate.pdf" in change for change in changes), changes
    assert not any("reason" in change for change in changes), changes
    # Read in French, the kinds of document are in French too.
    with translation.override("fr"):
        in_french = review_selectors.changes_since_previous_submission(application)
    assert in_french == [
        "Document modifié\u00a0: Justificatif du statut juridique\u00a0: "
        "registration-certificate.pdf (auparavant Justificatif du statut juridique\u00a0: "
        "legal_status.pdf)"
    ]


def test_an_answer_with_other_meetings_and_a_further_document_lists_both():
    application, english, _french = application_with_two_focal_points()
    request_information(application)
    second_meeting = MeetingFactory(call=application.call)
    services.save_draft(
        application=application,
        by=english,
        reason=application.reason,
        meetings=[*application.meetings.all(), second_meeting],
        acknowledged=True,
    )
    services.add_document(
        application=application,
        kind=Document.Kind.OTHER,
        checked=check_upload(pdf_upload("annual-report.pdf")),
        by=english,
    )

    services.submit_application(application=application, by=english)

    assert review_selectors.changes_since_previous_submission(application) == [
        "The meetings of interest were changed.",
        "New document: Further document: annual-report.pdf",
    ]


def test_nothing_is_listed_as_changed_after_a_first_submission():
    application, _english, _french = application_with_two_focal_points()

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    assert review_selectors.changes_since_previous_submission(application) == []
    assert "Changed since the previous submission" not in html


# 6. Mail on decision ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("recommend", {}),
        ("not_recommend", {"internal_reason": "Works on trade, not migration."}),
    ],
)
def test_a_decision_is_mailed_once_to_each_focal_point(action, fields):
    application, english, french = application_with_two_focal_points()
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)

    review_services.review(application=application, action=action, by=reviewer, **fields)

    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert sorted(by_recipient) == [(english.email,), (french.email,)]
    assert by_recipient[(english.email,)].subject == (
        f"Application {application.reference} has been reviewed"
    )
    assert by_recipient[(french.email,)].subject == (
        f"La candidature {application.reference} a été examinée"
    )
    assert "a été examinée et" in by_recipient[(french.email,)].body


def test_not_recommending_mails_the_message_but_never_the_internal_reason():
    application, english, _french = application_with_two_focal_points()
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)
    internal = "Suspected front for a lobbying firm."
    message = "The organization's work does not relate to the meeting's theme."

    review_services.review(
        application=application,
        action="not_recommend",
        by=reviewer,
        message=message,
        internal_reason=internal,
    )

    assert len(mail.outbox) == 2
    for sent in mail.outbox:
        html = sent.alternatives[0][0]
        assert internal not in sent.subject
        assert internal not in sent.body
        assert internal not in html
        assert message in sent.body
        assert "does not relate to the meeting" in html
    applicant_page = page_text(client_for(english).get(application.get_absolute_url()))
    assert internal not in applicant_page
    assert StatusChange.objects.get(to_status=Status.NOT_RECOMMENDED).note == internal


def test_starting_the_review_tells_the_applicant_nothing_and_sends_no_mail():
    application = submitted_application()
    reviewer = person("reviewer")
    mail.outbox.clear()

    review_services.review(application=application, action="start_review", by=reviewer)

    assert mail.outbox == []


# What each role sees on an application's page ---------------------------------------------


def application_with_a_record():
    """Under review, with an internal reason on the record, a note and a document opened."""
    application = submitted_application()
    reviewer = person("reviewer")
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(
        application=application,
        action="request_information",
        by=reviewer,
        message="Please send the statutes.",
        internal_reason="Statutes look altered.",
    )
    review_services.add_staff_note(application=application, by=reviewer, text="Call the embassy.")
    services.record_document_view(document=application.documents.first(), by=reviewer)
    return application


@pytest.mark.parametrize(
    ("role", "sees_notes", "sees_document_events", "note_form"),
    [
        ("reviewer", True, True, True),
        ("pga_office", True, False, True),
        ("administrator", False, True, False),
    ],
)
def test_the_page_shows_each_role_what_its_permissions_allow(
    role, sees_notes, sees_document_events, note_form
):
    application = application_with_a_record()

    html = client_for(person(role)).get(change_url(application)).content.decode()
    entries = " ".join(timeline_entries(html))

    assert "More information requested" in entries  # status changes: every staff role
    assert ("Call the embassy." in entries) is sees_notes
    assert ("Statutes look altered." in entries) is sees_notes
    assert ("opened by" in entries) is sees_document_events
    assert ("accreditation_application_note" in html or "/note/" in html) is note_form


def test_a_superuser_posting_the_page_is_refused_and_nothing_is_logged():
    application = submitted_application()
    superuser = StaffFactory()

    response = client_for(superuser).post(change_url(application), {"_save": "Save"})

    assert response.status_code == 403
    assert not LogEntry.objects.filter(object_id=str(application.pk)).exists()


@pytest.mark.parametrize("object_id", ["abc", "999999"])
def test_an_application_that_does_not_exist_sends_back_to_the_list(object_id):
    url = reverse("admin:accreditation_application_change", args=[object_id])

    response = client_for(person("reviewer")).get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_french_reviewer_reads_the_steps_and_roles_in_french():
    application = application_in(Status.UNDER_REVIEW)
    reviewer = person("reviewer", preferred_language="fr")
    review_services.add_staff_note(application=application, by=reviewer, text="Vu.")
    browser = client_for(reviewer)

    html = browser.get(change_url(application), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Commencer l’examen" not in html  # not a step from “under review”
    assert "Ne pas recommander" in html
    assert "(Examinateurs)" in " ".join(timeline_entries(html))


def test_someone_in_several_groups_is_recorded_as_the_reviewer_they_acted_as():
    application = application_in(Status.SUBMITTED)
    reviewer = person("reviewer")
    reviewer.groups.add(Group.objects.get(name="Administrators"))

    review_services.review(application=application, action="start_review", by=reviewer)

    assert application.history.get().role == "Reviewers"


def test_an_unanswered_request_can_end_in_no_recommendation():
    application = application_in(Status.INFORMATION_REQUESTED)

    review_services.review(
        application=application,
        action="not_recommend",
        by=person("reviewer"),
        internal_reason="No answer after six weeks.",
    )

    assert status_of(application) == Status.NOT_RECOMMENDED


# When the mail server is down ------------------------------------------------------------


def kept_mail_to(person):
    """The messages to this person that could not be delivered, kept for administrators."""
    return OutgoingMail.objects.filter(
        recipients__contains=person.email, status=OutgoingMail.Status.FAILED
    )


def test_a_step_whose_mail_fails_is_taken_and_its_mail_kept(unreachable_mail_server):
    application = application_in(Status.UNDER_REVIEW)
    focal_point = focal_point_of(application)

    response = client_for(person("reviewer")).post(
        review_url(application, "recommend"), {"confirm": "yes"}, follow=True
    )

    assert status_of(application) == Status.RECOMMENDED
    assert application.history.get().to_status == Status.RECOMMENDED
    text = page_text(response)
    assert "Done: Recommend." in text
    assert "could not be sent" not in text
    assert kept_mail_to(focal_point).count() == 1


def test_a_bulk_step_goes_on_past_mail_that_fails(unreachable_mail_server):
    first, second = application_in(Status.UNDER_REVIEW), application_in(Status.UNDER_REVIEW)

    response = client_for(person("reviewer")).post(
        reverse("admin:accreditation_application_changelist"),
        {"action": "recommend", "_selected_action": [first.pk, second.pk], "confirm": "yes"},
        follow=True,
    )

    assert (status_of(first), status_of(second)) == (Status.RECOMMENDED, Status.RECOMMENDED)
    assert "2 applications done." in page_text(response)
    assert kept_mail_to(focal_point_of(first)).count() == 1
    assert kept_mail_to(focal_point_of(second)).count() == 1


def test_a_submission_whose_confirmation_fails_is_submitted(unreachable_mail_server):
    application = complete_application()
    applicant = focal_point_of(application)

    response = client_for(applicant).post(
        reverse("accreditation:submit", args=[application.pk]), follow=True
    )

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.reference in page_text(response)
    assert kept_mail_to(applicant).count() == 1


# The records' own admin pages ---------------------------------------------------------------


def test_the_records_of_a_draft_are_not_shown_to_staff():
    draft = complete_application()
    submitted = submitted_application()
    browser = client_for(person("reviewer"))

    page = browser.get(reverse("admin:accreditation_documentevent_changelist")).content.decode()
    shown = re.findall(r'class="field-application[^"]*">(.*?)</', page)

    assert str(submitted) in " ".join(shown)
    assert str(draft) not in " ".join(shown)
    event = DocumentEvent.objects.filter(application=draft).first()
    url = reverse("admin:accreditation_documentevent_change", args=[event.pk])
    assert browser.get(url).status_code == 302  # "does not exist"


def test_internal_reasons_are_for_those_who_read_internal_notes():
    application = application_with_a_record()
    change = application.history.get(to_status=Status.INFORMATION_REQUESTED)
    url = reverse("admin:accreditation_statuschange_change", args=[change.pk])
    changelist = reverse("admin:accreditation_statuschange_changelist")

    for role, sees in [("reviewer", True), ("administrator", False)]:
        browser = client_for(person(role))
        assert ("Statutes look altered." in browser.get(url).content.decode()) is sees
        found = browser.get(changelist, {"q": "altered"}).context["cl"].result_count
        assert found == (1 if sees else 0)


def test_the_reviewer_is_told_while_the_applicant_is_answering():
    application = application_in(Status.INFORMATION_REQUESTED)

    text = page_text(client_for(person("reviewer")).get(change_url(application)))

    assert "answers and documents may change until the application is submitted again" in text


def test_a_refused_step_says_why_by_its_fields_and_keeps_what_was_typed():
    application = application_in(Status.UNDER_REVIEW)
    browser = client_for(person("reviewer"))
    typed = "Your organization's work does not relate to the meeting's theme."

    response = browser.post(
        review_url(application, "not_recommend"),
        {"message": typed, "internal_reason": "  "},
        follow=True,
    )

    html = response.content.decode()
    fieldset = re.search(r'action="[^"]*/review/not_recommend/".*?</form>', html, re.S).group(0)
    assert status_of(application) == Status.UNDER_REVIEW
    assert (
        '<p class="errornote" id="error-not_recommend" role="alert">'
        "Give the internal reason for not recommending.</p>" in fieldset
    )
    assert 'aria-describedby="error-not_recommend"' in fieldset
    assert html_escape(typed) in fieldset
    # Shown once: opening the page again starts afresh.
    assert html_escape(typed) not in browser.get(change_url(application)).content.decode()


def test_a_step_overtaken_by_another_reviewer_is_refused_with_a_message():
    application = application_in(Status.UNDER_REVIEW)
    browser = client_for(person("reviewer"))
    review_services.review(application=application, action="recommend", by=person("reviewer"))

    response = browser.post(
        review_url(application, "request_information"), {"message": "Why?"}, follow=True
    )

    assert (
        "“Request more information” is not possible: the application is now “Recommended”."
        in page_text(response)
    )


def test_what_changed_names_a_change_of_the_people_proposed():
    application = application_in(Status.SUBMITTED)
    person = {"full_name": "Grace Wanjiru", "function": "Director", "gender": "female"}
    for snapshot in (
        {"participants": [person]},
        {"participants": [person | {"gender": "not_said"}]},
    ):
        StatusChange.objects.create(
            application=application,
            from_status=Status.INFORMATION_REQUESTED,
            to_status=Status.SUBMITTED,
            snapshot=snapshot,
        )

    assert review_selectors.changes_since_previous_submission(application) == [
        "The people proposed to send were changed."
    ]


def test_an_older_snapshot_without_people_shows_no_made_up_change():
    application = application_in(Status.SUBMITTED)
    for snapshot in ({}, {"participants": []}):
        StatusChange.objects.create(
            application=application,
            from_status=Status.INFORMATION_REQUESTED,
            to_status=Status.SUBMITTED,
            snapshot=snapshot,
        )

    assert review_selectors.changes_since_previous_submission(application) == []
