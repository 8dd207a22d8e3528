"""The people an organization proposes to send, named in its application: as many rows as the
call allows, checked on the server, required to submit, editable while the application is,
read-only after, in the snapshot of each submission, shown to the applicant and to staff, and
to nobody else."""

import io
import json
import re
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import MEMBER_STATE_DELEGATES, REVIEWERS
from accreditation import services
from accreditation.models import Application, Gender, ProposedParticipant, Status, StatusChange
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    UserFactory,
    application_in,
    complete_application,
)
from tests.helpers import content_of, sign_in

pytestmark = pytest.mark.django_db

AMINA = {"full_name": "Amina Diallo", "function": "Programme officer", "gender": "female"}
KOFI = {"full_name": "Kofi Mensah", "function": "Legal adviser", "gender": "not_said"}
LENA = {"full_name": "Lena Novak", "function": "Researcher", "gender": "another"}


def rows(*people, total=None):
    """The participants' part of a POST: one row per person given (a dict, or {} for an
    empty row), with the management form the page sends."""
    data = {
        "participants-TOTAL_FORMS": str(len(people) if total is None else total),
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": str(len(people)),
    }
    for index, person in enumerate(people):
        for name in ("full_name", "function", "gender"):
            data[f"participants-{index}-{name}"] = person.get(name, "")
    return data


def named(application):
    return list(
        ProposedParticipant.objects.filter(application=application).values(
            "full_name", "function", "gender"
        )
    )


def draft(limit=2, **fields):
    application = ApplicationFactory(call=CallFactory(max_representatives=limit), **fields)
    focal_point = FocalPointFactory(organization=application.organization)
    return application, focal_point.user


def name_people(application, user, people, *, keep_the_rest=False):
    """Save the draft with these people proposed; the rest as it is, or empty."""
    return services.save_draft(
        application=application,
        by=user,
        reason=application.reason if keep_the_rest else "",
        meetings=application.meetings.all() if keep_the_rest else [],
        acknowledged=keep_the_rest,
        participants=people,
    )


@pytest.fixture
def reviewer():
    user = UserFactory(is_staff=True, email="reviewer@un.example.org")
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


def staff_client(user):
    client = Client()
    sign_in(client, user)
    return client


# The form -----------------------------------------------------------------------------------


def test_without_javascript_the_page_shows_as_many_empty_rows_as_the_call_allows_each_labelled(
    client,
):
    application, user = draft(limit=3)
    sign_in(client, user)

    html = client.get(application.get_absolute_url()).content.decode()

    assert 'name="participants-TOTAL_FORMS" value="3"' in html
    for number in (1, 2, 3):
        assert f"Person {number}</legend>" in html
    assert "Person 4</legend>" not in html
    for index in range(3):
        for name in ("full_name", "function", "gender"):
            field_id = f"id_participants-{index}-{name}"
            assert f'for="{field_id}"' in html
            assert f'id="{field_id}"' in html
    assert "Prefers not to say" in html
    assert "Gender parity is weighed" in html
    # Kept in the browser as typed, like the rest of the form.
    form = html[html.index('<form method="post" enctype') :]
    assert "data-keep-typed=" in form.split(">", 1)[0]
    assert form.index('name="participants-0-full_name"') < form.index("</form>")


def test_two_people_are_saved_in_order_and_shown_back_with_the_empty_rows(client):
    application, user = draft(limit=3)
    sign_in(client, user)

    response = client.post(
        application.get_absolute_url(),
        {"reason": "We work with migrants.", "action": "save"} | rows(KOFI, AMINA, {}),
    )
    html = client.get(application.get_absolute_url()).content.decode()

    assert response.status_code == 302
    assert named(application) == [KOFI, AMINA]
    assert list(application.proposed_participants.values_list("position", flat=True)) == [0, 1]
    assert 'name="participants-0-full_name" value="Kofi Mensah"' in html
    assert 'name="participants-1-full_name" value="Amina Diallo"' in html
    assert re.search(r'name="participants-2-full_name"(?! value=)', html)
    assert 'name="participants-TOTAL_FORMS" value="3"' in html


def test_emptying_a_row_removes_the_person_and_spaces_are_nothing(client):
    application, user = draft(limit=2)
    name_people(application, user, [AMINA, KOFI])
    sign_in(client, user)

    response = client.post(
        application.get_absolute_url(),
        {"action": "save"} | rows({"full_name": "  ", "function": " "}, KOFI),
    )

    assert response.status_code == 302
    assert named(application) == [KOFI]


def test_a_row_half_filled_gets_a_message_by_each_missing_field_and_in_the_summary(client):
    application, user = draft(limit=2)
    sign_in(client, user)

    response = client.post(
        application.get_absolute_url(),
        {"reason": "Kept all the same.", "action": "save"}
        | rows(AMINA, {"full_name": "Kofi Mensah"}),
    )

    html = response.content.decode()
    application.refresh_from_db()
    assert response.status_code == 400
    row = response.context["participants"].forms[1]
    assert row.errors == {
        "function": ["Enter the person's function in the organization."],
        "gender": ["Choose the person's gender, or “Prefers not to say”."],
    }
    # By the field, tied to it, and in the summary that links to it.
    assert 'aria-describedby="id_participants-1-function_error"' in html
    assert 'id="id_participants-1-gender_error"' in html
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert 'href="#id_participants-1-function"' in summary
    assert "Person 2, Function in the organization: Enter the person&#x27;s function" in summary
    # Typed text is shown back, and what is valid is kept.
    assert 'value="Kofi Mensah"' in html
    assert application.reason == "Kept all the same."
    assert named(application) == [AMINA]


def test_more_rows_than_the_call_allows_are_refused_with_a_message_and_nothing_changes(client):
    application, user = draft(limit=2)
    name_people(application, user, [AMINA])
    sign_in(client, user)

    response = client.post(
        application.get_absolute_url(), {"action": "save"} | rows(KOFI, LENA, AMINA)
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "You can propose at most 2 people to send." in html
    assert 'id="participants-error"' in html
    assert 'aria-describedby="participants-help participants-error"' in html
    assert "You can propose at most 2 people to send." in html
    assert named(application) == [AMINA]


def test_a_forged_row_count_past_any_limit_is_refused_not_a_500(client):
    application, user = draft(limit=2)
    sign_in(client, user)
    client.raise_request_exception = False

    for total in ("3", "100000", "-1", "two", "9" * 30):
        response = client.post(
            application.get_absolute_url(), {"action": "save"} | rows(AMINA, KOFI, total=total)
        )
        assert response.status_code == 400, total
        assert not named(application)


def test_the_limit_is_the_services_rule_too(client):
    application, user = draft(limit=1)

    with pytest.raises(services.NotAllowed, match="at most 1 person"):
        name_people(application, user, [AMINA, KOFI])
    with pytest.raises(services.NotAllowed):
        name_people(application, user, [AMINA | {"gender": "unknown"}])
    assert not named(application)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("full_name", "Amina\x00Diallo", "Null characters are not allowed."),
        (
            "function",
            "x" * 100_000,
            "Ensure this value has at most 200 characters (it has 100000).",
        ),
        (
            "full_name",
            "Amina\r\nBcc: someone@example.org",
            "Write this on one line, without line breaks or control characters.",
        ),
        ("gender", "robot", "Select a valid choice. robot is not one of the available choices."),
    ],
)
def test_bad_input_gets_one_message_by_its_field_and_the_person_before_stays(
    client, field, typed, message
):
    application, user = draft(limit=2)
    name_people(application, user, [AMINA])
    sign_in(client, user)
    client.raise_request_exception = False

    response = client.post(
        application.get_absolute_url(), {"action": "save"} | rows(AMINA | {field: typed}, KOFI)
    )

    assert response.status_code == 400
    assert response.context["participants"].forms[0].errors == {field: [message]}
    assert f'id="id_participants-0-{field}_error"' in response.content.decode()
    # The row in error keeps who was there; the valid row is saved.
    assert named(application) == [AMINA, KOFI]


def test_bytes_that_are_not_utf8_are_no_500(client):
    application, user = draft(limit=2)
    sign_in(client, user)
    client.raise_request_exception = False
    body = "&".join(
        f"{key}={value}"
        for key, value in (rows(AMINA) | {"action": "save"}).items()
        if key != "participants-0-full_name"
    )

    response = client.post(
        application.get_absolute_url(),
        f"{body}&participants-0-full_name=%FF%FE%FA",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in {302, 400}


def test_a_post_without_the_rows_leaves_the_people_as_they_are(client):
    application, user = draft(limit=2)
    name_people(application, user, [AMINA])
    sign_in(client, user)

    response = client.post(
        application.get_absolute_url(), {"reason": "Only the reason.", "action": "save"}
    )

    assert response.status_code == 302
    assert named(application) == [AMINA]


# Submitting -----------------------------------------------------------------------------------


def test_no_one_named_is_missing_in_words_and_submitting_is_refused():
    application = complete_application()
    user = application.organization.focal_points.get()
    name_people(application, user, [], keep_the_rest=True)

    missing = services.missing_parts(application)

    assert missing == ["at least one person the organization proposes to send"]
    with pytest.raises(services.NotAllowed, match="at least one person"):
        services.submit_application(application=application, by=user)
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT


def test_more_people_than_a_lowered_limit_are_missing_in_words_and_all_stay_on_the_page(client):
    application = complete_application()
    user = application.organization.focal_points.get()
    name_people(application, user, [AMINA, KOFI], keep_the_rest=True)
    application.call.max_representatives = 1
    application.call.save()
    sign_in(client, user)

    html = client.get(application.get_absolute_url()).content.decode()

    assert services.missing_parts(application) == [
        "at most 1 person proposed to be sent (there are 2)"
    ]
    assert 'value="Amina Diallo"' in html
    assert 'value="Kofi Mensah"' in html


def test_the_review_page_lists_the_people_and_the_submission_snapshots_them(client):
    application = complete_application()
    user = application.organization.focal_points.get()
    name_people(application, user, [KOFI, AMINA], keep_the_rest=True)
    sign_in(client, user)

    review = client.get(reverse("accreditation:submit", args=[application.pk])).content.decode()
    client.post(reverse("accreditation:submit", args=[application.pk]))

    submission = StatusChange.objects.get(application=application, to_status=Status.SUBMITTED)
    assert "Kofi Mensah" in review
    assert "Prefers not to say" in review
    assert submission.snapshot["participants"] == [KOFI, AMINA]
    assert "Kofi Mensah" not in mail.outbox[-1].subject


def test_after_submission_the_people_are_read_only_and_shown(client):
    application = complete_application()
    user = application.organization.focal_points.get()
    services.submit_application(application=application, by=user)
    sign_in(client, user)

    html = client.get(application.get_absolute_url()).content.decode()
    response = client.post(
        application.get_absolute_url(), {"action": "save"} | rows(KOFI), follow=True
    )

    assert "participants-0-full_name" not in html
    table = html[html.index('id="proposed-participants"') :]
    assert "Grace Wanjiru" in table
    assert "Executive Director" in table
    assert "Female" in table
    assert "can no longer be changed" in response.content.decode()
    assert named(application) == [
        {"full_name": "Grace Wanjiru", "function": "Executive Director", "gender": "female"}
    ]
    with pytest.raises(services.NotAllowed):
        services.save_draft(
            application=application,
            by=user,
            reason=application.reason,
            meetings=[],
            acknowledged=True,
            participants=[KOFI],
        )


def test_while_answering_a_request_the_people_can_be_changed_and_go_with_the_resubmission(
    client, reviewer
):
    from reviews import services as review_services

    application = complete_application()
    user = application.organization.focal_points.get()
    services.submit_application(application=application, by=user)
    review_services.review(
        application=application,
        action="request_information",
        by=reviewer,
        message="Who will attend?",
    )
    sign_in(client, user)

    page = client.get(application.get_absolute_url()).content.decode()
    client.post(
        application.get_absolute_url(),
        {
            "reason": application.reason,
            "answer": "We name a second person.",
            "acknowledged": "on",
            "meetings": [m.pk for m in application.meetings.all()],
            "action": "save",
        }
        | rows(KOFI, AMINA),
    )
    client.post(reverse("accreditation:submit", args=[application.pk]))

    assert 'name="participants-0-full_name" value="Grace Wanjiru"' in page
    latest = application.history.filter(to_status=Status.SUBMITTED).latest("at")
    assert latest.snapshot["participants"] == [KOFI, AMINA]


# Seen by staff, and by no one else -------------------------------------------------------------


def test_staff_see_the_people_on_the_application_page_in_the_admin(reviewer):
    application = application_in(Status.SUBMITTED)
    ProposedParticipant.objects.create(application=application, position=1, **KOFI)

    html = (
        staff_client(reviewer)
        .get(reverse("admin:accreditation_application_change", args=[application.pk]))
        .content.decode()
    )

    section = html[html.index('id="proposed-participants"') :]
    section = section[: section.index("</table>")]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", section) == [
        "Grace Wanjiru",
        "Executive Director",
        "Female",
        "Kofi Mensah",
        "Legal adviser",
        str(Gender.NOT_SAID.label),
    ]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_another_organization_anonymous_and_a_delegate_never_see_the_people(client, status):
    application = application_in(status)
    ProposedParticipant.objects.create(application=application, position=1, **KOFI)
    other = FocalPointFactory().user
    delegate = UserFactory(email="delegate@mission.example.org")
    delegate.groups.add(Group.objects.get(name=MEMBER_STATE_DELEGATES))
    urls = [
        application.get_absolute_url(),
        reverse("accreditation:submit", args=[application.pk]),
        reverse("accreditation:submitted", args=[application.pk]),
        reverse("admin:accreditation_application_change", args=[application.pk]),
    ]

    for who in (None, other, delegate):
        visitor = Client()
        if who is not None:
            sign_in(visitor, who)
        for url in urls:
            response = visitor.get(url)
            html = response.content.decode()
            assert response.status_code in {302, 403, 404}, (who, url)
            if response.status_code == 302:
                assert "sign-in" in response["Location"] or "login" in response["Location"]
            assert "Kofi Mensah" not in html
            assert "Grace Wanjiru" not in html
        # Nor can they change them.
        response = visitor.post(application.get_absolute_url(), {"action": "save"} | rows(LENA))
        assert response.status_code in {302, 404}
        assert "Lena Novak" not in [person["full_name"] for person in named(application)]


def test_the_organizations_download_holds_the_people(client):
    application = complete_application()
    user = application.organization.focal_points.get()
    sign_in(client, user)

    archive = zipfile.ZipFile(io.BytesIO(content_of(client.get(reverse("accreditation:export")))))

    (record,) = [name for name in archive.namelist() if name.endswith("application.json")]
    assert json.loads(archive.read(record))["proposed_participants"] == [
        {"full_name": "Grace Wanjiru", "function": "Executive Director", "gender": "Female"}
    ]


# Queries -------------------------------------------------------------------------------------

# Session, user, the application with its documents, meetings and people (one query each), the
# documents' kinds, the history, the page's navigation and the call's meetings (the form): about
# a dozen, whatever the number of people.
QUERIES = 15


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_the_application_page_queries_do_not_grow_with_the_people(
    client, django_assert_max_num_queries, status
):
    application = application_in(status)
    application.call.max_representatives = 5
    application.call.save()
    MeetingFactory(call=application.call)
    sign_in(client, application.organization.focal_points.get())
    url = application.get_absolute_url()
    client.get(url)  # Anything done once per session is done.

    with django_assert_max_num_queries(QUERIES) as for_one:
        one = client.get(url).content.decode()
    ProposedParticipant.objects.bulk_create(
        ProposedParticipant(application=application, position=position, **KOFI)
        for position in range(1, 5)
    )
    with django_assert_max_num_queries(QUERIES) as for_five:
        five = client.get(url).content.decode()

    assert len(for_five.captured_queries) == len(for_one.captured_queries)
    assert one.count("Kofi Mensah") == 0
    assert five.count("Kofi Mensah") == 4
