"""A reviewer, in real Chromium: asks for an answer by a date, reads the answer, and confirms
the steps that mail applicants (on the page and from the list) before they are taken."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import REVIEWERS
from accreditation import services
from accreditation.models import Application, Status, StatusChange
from tests.browser.accessibility import session_cookie
from tests.browser.flows import heading
from tests.factories import FocalPointFactory, UserFactory, application_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

QUESTION = "Please send the current registration certificate."
ANSWER = "The certificate of March is attached; we work in Kenya and Uganda."


def reviewer():
    user = UserFactory(email="reviewer@un.example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@contextmanager
def signed_in(browser, live_server, user, *, width=1280, javascript=True):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": width, "height": 900},
        java_script_enabled=javascript,
    )
    context.add_cookies([session_cookie(live_server.url, user)])
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def status_of(application):
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def test_a_request_with_an_answer_by_date_and_the_answer_read_back(browser, live_server):
    application = application_in(Status.UNDER_REVIEW)
    focal_point = application.organization.memberships.get().user
    staff = reviewer()
    answer_by = timezone.localdate() + timedelta(days=10)
    url = reverse("admin:accreditation_application_change", args=[application.pk])

    with signed_in(browser, live_server, staff) as page:
        page.goto(url)
        asking = page.locator("#review-actions").get_by_role(
            "group", name="Request more information"
        )
        asking.get_by_role("textbox", name="Message to the applicant (required)").fill(QUESTION)
        asking.get_by_label("Answer due by (optional)").fill(answer_by.isoformat())
        asking.get_by_role("button", name="Request more information").click()
        page.wait_for_url(f"**{url}")
        expect(page.locator(".messagelist")).to_contain_text("Done: Request more information.")
        expect(page.locator("#timeline")).to_contain_text(
            f"Answer due by {answer_by.day} {answer_by:%B %Y}. Message: “{QUESTION}”"
        )
        change = StatusChange.objects.get(to_status=Status.INFORMATION_REQUESTED)
        assert change.answer_by == answer_by

        # The applicant answers (as their page does), and the reviewer reads it.
        Application.objects.filter(pk=application.pk).update(answer=ANSWER)
        services.submit_application(application=application, by=focal_point)
        page.reload()
        answer = page.locator("#applicant-answer")
        expect(answer.get_by_role("heading")).to_have_text("The applicant's answer")
        expect(answer).to_contain_text(ANSWER)
        expect(answer.locator("time")).to_contain_text("UTC")
        expect(
            page.locator("#timeline li").filter(has_text="More information requested → Submitted")
        ).to_contain_text(f"Answer: “{ANSWER}”")


@pytest.mark.parametrize("javascript", [True, False])
def test_recommend_on_the_page_is_confirmed_first_and_cancel_changes_nothing(
    browser, live_server, javascript
):
    application = application_in(Status.UNDER_REVIEW)
    FocalPointFactory(organization=application.organization)
    url = reverse("admin:accreditation_application_change", args=[application.pk])

    with signed_in(browser, live_server, reviewer(), javascript=javascript) as page:
        page.goto(url)
        page.locator("#review-actions").get_by_role("button", name="Recommend", exact=True).click()
        expect(heading(page)).to_have_text("Confirm: Recommend")
        expect(page.locator("#confirm-summary")).to_have_text(
            "1 application will become “Recommended”:"
        )
        expect(page.locator("#confirm-mail")).to_have_text(
            "The focal points are told by mail: 2 people."
        )
        page.get_by_role("link", name="Cancel").click()
        page.wait_for_url(f"**{url}")
        assert status_of(application) == Status.UNDER_REVIEW
        assert mail.outbox == []

        page.locator("#review-actions").get_by_role("button", name="Recommend", exact=True).click()
        page.get_by_role("button", name="Confirm: Recommend").click()
        page.wait_for_url(f"**{url}")
        expect(page.locator(".messagelist")).to_contain_text("Done: Recommend.")
        assert status_of(application) == Status.RECOMMENDED
        assert len(mail.outbox) == 2


def test_a_bulk_recommendation_from_the_list_is_confirmed_first(browser, live_server):
    first, second = application_in(Status.UNDER_REVIEW), application_in(Status.UNDER_REVIEW)
    done = application_in(Status.RECOMMENDED)
    changelist = reverse("admin:accreditation_application_changelist")

    with signed_in(browser, live_server, reviewer()) as page:
        page.goto(changelist)
        for application in (first, second, done):
            page.locator(f"input[name=_selected_action][value='{application.pk}']").check()
        page.get_by_role("combobox", name="Action").select_option(
            label="Recommend the selected applications"
        )
        page.locator("button[name=index]").click()
        expect(heading(page)).to_have_text("Confirm: Recommend")
        expect(page.locator("#confirm-summary")).to_have_text(
            "2 applications will become “Recommended”:"
        )
        expect(page.locator("#content-main")).to_contain_text(
            f"1 selected application is left as is, as the step does not apply to its status:"
            f" {done.reference}"
        )
        assert (status_of(first), status_of(second)) == (Status.UNDER_REVIEW,) * 2

        page.get_by_role("button", name="Confirm: Recommend").click()
        page.wait_for_url(f"**{changelist}")
        expect(page.locator(".messagelist")).to_contain_text("2 applications done.")
        assert (status_of(first), status_of(second)) == (Status.RECOMMENDED,) * 2
        assert status_of(done) == Status.RECOMMENDED
