"""A reviewer and an applicant, in real Chromium, around one request for information.

A reviewer with a second factor signs in by the mailed link and the code from
the authenticator, opens a submitted application in the admin, starts the
review and asks for more information; the applicant, on another device, reads
the question, changes the reason, replaces a document and submits again; the
reviewer sees what changed and recommends the application.
"""

import pyotp
import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.roles import APPLICANT, REVIEWERS
from accreditation import services
from accreditation.models import Document, Status
from tests.browser.flows import heading, new_device, sign_in_by_mail
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    UserFactory,
    complete_application,
    pdf_bytes,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LEGAL_STATUS = "Proof of legal status issued by the government of the headquarters location"
FIRST_REASON = "We work with migrants and want their experience heard."
QUESTION = (
    "The proof of legal status you sent has expired. "
    "Please send the current registration certificate and say which countries you work in."
)
NEW_REASON = (
    "Our network brings together migrant workers' associations in Kenya, Uganda and Tanzania. "
    "We want their experience of recruitment and remittances heard by Member States."
)


def reviewer_with_second_factor(email):
    """A staff member in the Reviewers group, with a confirmed factor whose current code is unspent."""
    reviewer = UserFactory(email=email, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    factor = account_services.begin_second_factor_setup(user=reviewer)
    totp = pyotp.TOTP(factor.secret)
    account_services.confirm_second_factor(
        user=reviewer, code=totp.at(timezone.now(), counter_offset=-1)
    )
    return reviewer, totp


def status_line(page):
    """The line at the top of an application's admin page: reference · status · call."""
    return page.locator("#content-main > p").first


def test_reviewer_requests_information_the_applicant_answers_and_the_reviewer_recommends(
    page, browser, live_server, settings, tmp_path
):
    settings.SITE_URL = live_server.url
    focal_point = FocalPointFactory(user=UserFactory(email="amina.diallo@migrantvoices.example"))
    applicant = focal_point.user
    call = CallFactory(title="High-level dialogue on international migration")
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization, call=call, reason=FIRST_REASON),
        by=applicant,
    )
    application = services.submit_application(application=application, by=applicant).application
    reference = application.reference
    reviewer, totp = reviewer_with_second_factor("reviewer@un.example.org")
    new_certificate = tmp_path / "registration-certificate-2031.pdf"
    new_certificate.write_bytes(pdf_bytes(pages=2))
    change_url = reverse("admin:accreditation_application_change", args=[application.pk])

    # 1. The reviewer opens the admin, is sent to sign in, and passes the second factor.
    page.goto(reverse("admin:index"))
    page.wait_for_url(f"**{reverse('accounts:sign_in')}?next=%2Fadmin%2F")
    sign_in_by_mail(page, live_server, reviewer.email)
    page.wait_for_url(f"**{reverse('accounts:second_factor_verify')}?next=%2Fadmin%2F")
    expect(heading(page)).to_have_text("Type the code from your authenticator app")
    page.get_by_role("textbox", name="Code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}{reverse('admin:index')}")
    expect(heading(page)).to_have_text("Calls, meetings and applications")

    # The application, from the list, by its reference.
    page.locator("#content-main").get_by_role("link", name="Applications", exact=True).click()
    page.wait_for_url(f"**{reverse('admin:accreditation_application_changelist')}")
    results = page.locator("#result_list")
    expect(results.get_by_role("row").filter(has_text=reference)).to_contain_text("Submitted")
    results.get_by_role("link", name=reference, exact=True).click()
    page.wait_for_url(f"**{change_url}")
    expect(status_line(page)).to_contain_text(f"{reference} · Submitted · {call.title}")

    documents = page.locator(".module").filter(
        has=page.get_by_role("heading", name="Documents", exact=True)
    )
    expect(documents.get_by_role("row")).to_have_count(3)  # the header and two documents
    expect(documents.get_by_role("row").filter(has_text="Proof of legal status")).to_contain_text(
        "legal_status.pdf"
    )
    expect(
        documents.get_by_role("row").filter(has_text="Letter from the head of the organization")
    ).to_contain_text("head_letter.pdf")
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("heading")).to_have_text("Timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="→")).to_contain_text(
        [f"Draft → Submitted by {applicant.email} (Applicant)"]
    )
    # Nothing to change, only to review: no "Save" button of the admin.
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    review = page.locator("#review-actions")
    review.get_by_role("button", name="Start review").click()
    page.wait_for_url(f"**{change_url}")
    expect(page.locator(".messagelist")).to_contain_text("Done: Start review.")
    expect(status_line(page)).to_contain_text(f"{reference} · Under review")
    expect(review.get_by_role("button", name="Start review")).to_have_count(0)

    asking = review.get_by_role("group", name="Request more information")
    question = asking.get_by_role("textbox", name="Message to the applicant (required)")
    expect(question).to_have_attribute("required", "")
    question.fill(QUESTION)
    asking.get_by_role("button", name="Request more information").click()
    page.wait_for_url(f"**{change_url}")
    expect(page.locator(".messagelist")).to_contain_text("Done: Request more information.")
    expect(status_line(page)).to_contain_text(f"{reference} · More information requested")
    expect(timeline.get_by_role("listitem").filter(has_text="→")).to_contain_text(
        [
            f"Draft → Submitted by {applicant.email} (Applicant)",
            f"Submitted → Under review by {reviewer.email} (Reviewers)",
            f"Under review → More information requested by {reviewer.email} (Reviewers)"
            f". Message: “{QUESTION}”",
        ]
    )
    # While the applicant answers, the reviewer can only close it without a recommendation.
    expect(page.locator("#review-actions legend")).to_have_text(["Do not recommend"])

    (request_mail,) = [m for m in mail.outbox if m.subject.startswith("More information needed")]
    assert request_mail.subject == f"More information needed for application {reference}"
    assert request_mail.to == [applicant.email]
    assert QUESTION in request_mail.body
    assert f"{live_server.url}/dashboard/" in request_mail.body

    # 2. The applicant, on another device, answers. A minute later, a new link is allowed.
    cache.clear()
    context, device = new_device(browser, live_server)
    try:
        device.goto("/")
        device.get_by_role("link", name="Sign in", exact=True).click()
        sign_in_by_mail(device, live_server, applicant.email)
        device.wait_for_url(f"**{reverse('accreditation:dashboard')}")
        expect(heading(device)).to_have_text("Your applications")

        applications = device.get_by_role("table", name="Your organization's applications")
        row = applications.get_by_role("row").filter(has_text=call.title)
        expect(row).to_contain_text(reference)
        expect(row).to_contain_text("More information requested")
        expect(row).to_contain_text("Answer the request for more information, then submit again.")
        expect(row).to_contain_text(QUESTION)
        row.get_by_role("link", name=call.title).click()
        device.wait_for_url(f"**{application.get_absolute_url()}")

        expect(device.locator("main")).to_contain_text(
            f"Status: More information requested · Reference: {reference}"
        )
        request = device.locator("[aria-labelledby=request-heading]")
        expect(request.get_by_role("heading")).to_have_text(
            "The reviewers ask for more information"
        )
        expect(request.locator("blockquote")).to_have_text(QUESTION)

        reason = device.get_by_role("textbox", name="Reason for participation")
        expect(reason).to_have_value(FIRST_REASON)
        reason.fill(NEW_REASON)
        device.get_by_label(LEGAL_STATUS).set_input_files(new_certificate)
        device.get_by_role("button", name="Save and review before submitting again").click()

        device.wait_for_url(f"**{reverse('accreditation:submit', args=[application.pk])}")
        expect(heading(device)).to_have_text("Review and send your answer")
        main = device.get_by_role("main")
        expect(main).to_contain_text(NEW_REASON)
        expect(main).to_contain_text("Proof of legal status: registration-certificate-2031.pdf")
        expect(main).to_contain_text("Letter from the head of the organization: head_letter.pdf")
        # Only the current version of each document is listed.
        expect(main).not_to_contain_text("legal_status.pdf")
        device.get_by_role("button", name="Send the answer and submit again").click()

        device.wait_for_url(f"**{reverse('accreditation:submitted', args=[application.pk])}")
        expect(device.get_by_role("heading", name="Your answer is received")).to_be_visible()
        expect(device.locator("#reference")).to_have_text(reference)
    finally:
        context.close()

    # 3. The reviewer, still signed in, sees what changed and recommends.
    page.reload()
    expect(status_line(page)).to_contain_text(f"{reference} · Submitted")
    changes = page.locator(".module").filter(
        has=page.get_by_role("heading", name="Changed since the previous submission")
    )
    expect(changes.get_by_role("listitem")).to_contain_text(
        [
            "The reason for participation was changed.",
            "Document changed: Proof of legal status: registration-certificate-2031.pdf"
            " (was Proof of legal status: legal_status.pdf)",
        ]
    )
    expect(documents.get_by_role("row").filter(has_text="Proof of legal status")).to_contain_text(
        "registration-certificate-2031.pdf"
    )
    # The earlier version stays, for comparison; the replacement is in the timeline.
    expect(documents.get_by_role("listitem")).to_contain_text(
        ["Proof of legal status: legal_status.pdf"]
    )
    expect(
        timeline.get_by_role("listitem").filter(has_text="registration-certificate-2031.pdf")
    ).to_contain_text(
        f"Proof of legal status “registration-certificate-2031.pdf”: replaced by {applicant.email}"
        " (Applicant)"
    )

    review.get_by_role("button", name="Start review").click()
    page.wait_for_url(f"**{change_url}")
    expect(status_line(page)).to_contain_text(f"{reference} · Under review")
    review.get_by_role("button", name="Recommend", exact=True).click()
    page.get_by_role("button", name="Confirm: Recommend").click()
    page.wait_for_url(f"**{change_url}")
    expect(page.locator(".messagelist")).to_contain_text("Done: Recommend.")
    expect(status_line(page)).to_contain_text(f"{reference} · Recommended")
    expect(timeline.get_by_role("listitem").filter(has_text="→")).to_contain_text(
        [
            "Draft → Submitted",
            "Submitted → Under review",
            "Under review → More information requested",
            f"More information requested → Submitted by {applicant.email} (Applicant)",
            f"Submitted → Under review by {reviewer.email} (Reviewers)",
            f"Under review → Recommended by {reviewer.email} (Reviewers)",
        ]
    )

    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED
    assert application.reason == NEW_REASON
    assert application.reference == reference
    assert sorted(
        application.documents.filter(replaced_at=None).values_list("kind", "original_name")
    ) == [
        (Document.Kind.HEAD_LETTER, "head_letter.pdf"),
        (Document.Kind.LEGAL_STATUS, "registration-certificate-2031.pdf"),
    ]
    assert list(application.history.order_by("at", "pk").values_list("to_status", "role")) == [
        (Status.SUBMITTED, APPLICANT),
        (Status.UNDER_REVIEW, REVIEWERS),
        (Status.INFORMATION_REQUESTED, REVIEWERS),
        (Status.SUBMITTED, APPLICANT),
        (Status.UNDER_REVIEW, REVIEWERS),
        (Status.RECOMMENDED, REVIEWERS),
    ]

    # The focal point heard of each step that concerns them, in order.
    to_applicant = [m.subject for m in mail.outbox if m.to == [applicant.email]]
    about_the_application = [subject for subject in to_applicant if reference in subject]
    assert about_the_application == [
        f"Application {reference} received",
        f"More information needed for application {reference}",
        f"Your answer for application {reference} was received",
        f"Application {reference} has been reviewed",
    ]
    (recommendation,) = [m for m in mail.outbox if m.subject.endswith("has been reviewed")]
    assert recommendation.to == [applicant.email]
    assert "is recommended" in recommendation.body
    assert not [m for m in mail.outbox if m.to == [reviewer.email] and reference in m.subject]
