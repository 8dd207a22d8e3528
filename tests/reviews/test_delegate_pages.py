"""A Member State delegate's pages: the circulated lists, requests, objections, and the files.

A delegate sees exactly what the PGA office shared, on every page and in every export: each
delegate-facing page and file is rendered and searched for what must not be there (unshared
homepages and reasons, documents, contact details, proposed participants' names, staff notes,
another Member State's objection, a draft's entries). Only delegates reach these pages.
"""

import csv
import io
from datetime import timedelta

import pyotp
import pypdf
import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.roles import MEMBER_STATE_DELEGATES, REVIEWERS
from accreditation.models import (
    Application,
    Gender,
    Organization,
    ProposedParticipant,
    StaffNote,
    Status,
)
from reviews import selectors, services
from reviews.models import (
    InformationRequest,
    ListEntry,
    MemberStateList,
    Objection,
    SharedItem,
)
from tests import people
from tests.browser.accessibility import axe_script, axe_violations, describe_violation
from tests.browser.flows import heading, sign_in_by_mail
from tests.bulk import add_list_entries
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
)
from tests.helpers import content_of, sign_in

pytestmark = pytest.mark.django_db

CALL = "High-level meeting on trafficking in persons 2031"
ALPHA = "Alpha Legal Clinics for Migrants"
BETA = "Beta Shelter Network"
DRAFT_ONLY = "Gamma Organization Only On The Draft"
ALPHA_REASON = "Shared reason: we run legal clinics for survivors of trafficking in Nairobi."
BETA_REASON = "Unshared reason: our volunteers meet survivors at the border crossings."
ALPHA_HOMEPAGE = "https://alpha-unshared-homepage.example/about"
BETA_HOMEPAGE = "https://beta-shared-homepage.example/"
STAFF_NOTE = "Staff note: the head of Alpha telephoned about the statutes"
PARTICIPANTS = {ALPHA: "Wanjiku Participant-Alpha", BETA: "Otieno Participant-Beta"}
OTHER_STATE_REASON = "Objection of another Member State: concerns about funding sources"


def recommended(call, name, *, homepage, reason, slug):
    """An application recommended under the call, with documents, contacts and participants."""
    organization = OrganizationFactory(
        name=name,
        homepage=homepage,
        contact_email=f"contact@{slug}-contact.example",
        phone=f"+254 20 {len(slug):03d} 9876",
        head_name=f"Head {slug.title()} Private-Person",
    )
    focal_point = FocalPointFactory(
        organization=organization, user=UserFactory(email=f"focal.point@{slug}-mail.example")
    )
    application = complete_application(
        ApplicationFactory(organization=organization, call=call, reason=reason),
        by=focal_point.user,
    )
    Application.objects.filter(pk=application.pk).update(
        status=Status.RECOMMENDED,
        reference=f"SA-2031-{application.pk:05d}",
        submitted_at=timezone.now(),
    )
    ProposedParticipant.objects.create(
        application=application,
        full_name=PARTICIPANTS.get(name, f"Participant of {name}"),
        function="Programme officer",
        gender=Gender.FEMALE,
    )
    application.refresh_from_db()
    return application


def delegate_of(member_state: str, email: str):
    user = UserFactory(email=email, member_state=member_state)
    user.groups.add(Group.objects.get(name=MEMBER_STATE_DELEGATES))
    return people.with_second_factor(user)


def entry_of(member_state_list, application) -> ListEntry:
    return member_state_list.entries.get(application=application)


class World:
    """A circulated list of two: Alpha's reason shared, Beta's homepage shared; another Member
    State objects to Beta with a reason; a staff note on Alpha. ``start_next_draft`` adds a
    draft of the next version with a third organization on it."""

    def __init__(self, *, deadline_in=timedelta(days=7)):
        self.office = people.pga_office()
        self.delegate = people.delegate()
        self.call = CallFactory(title=CALL, slug="trafficking-2031")
        self.alpha = recommended(
            self.call, ALPHA, homepage=ALPHA_HOMEPAGE, reason=ALPHA_REASON, slug="alpha"
        )
        self.beta = recommended(
            self.call, BETA, homepage=BETA_HOMEPAGE, reason=BETA_REASON, slug="beta"
        )
        StaffNote.objects.create(
            application=self.alpha, author=people.reviewer(), role=REVIEWERS, text=STAFF_NOTE
        )
        draft = services.draft_list(call=self.call, by=self.office)
        for application in (self.alpha, self.beta):
            services.add_to_list(member_state_list=draft, application=application, by=self.office)
        services.share(entry=entry_of(draft, self.alpha), item=SharedItem.REASON, by=self.office)
        services.share(entry=entry_of(draft, self.beta), item=SharedItem.HOMEPAGE, by=self.office)
        self.deadline = timezone.now() + deadline_in
        self.list = services.circulate(
            member_state_list=draft, by=self.office, objection_deadline=self.deadline
        )
        self.other_delegate = delegate_of("DE", "delegate@germany-mission.example")
        services.lodge_objection(
            entry=self.entry(self.beta), by=self.other_delegate, reason=OTHER_STATE_REASON
        )

    def entry(self, application) -> ListEntry:
        return entry_of(self.list, application)

    def start_next_draft(self):
        """Version 2, not circulated, with a third organization on it."""
        gamma = recommended(
            self.call,
            DRAFT_ONLY,
            homepage="https://gamma-draft.example/",
            reason="Draft only reason",
            slug="gamma",
        )
        draft = services.draft_list(call=self.call, by=self.office)
        services.add_to_list(member_state_list=draft, application=gamma, by=self.office)
        return draft

    def url(self, name="delegate_list", **kwargs):
        return reverse(f"reviews:{name}", kwargs={"pk": self.list.pk, **kwargs})


@pytest.fixture
def world():
    return World()


@pytest.fixture
def delegate_client(client):
    return people.signed_in_client(people.DELEGATE, client)


def page_text(response) -> str:
    return response.content.decode()


def export_text(response, file_format: str) -> str:
    body = content_of(response)
    if file_format == "csv":
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    if file_format == "xlsx":
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    reader = pypdf.PdfReader(io.BytesIO(body))
    return " ".join(page.extract_text() for page in reader.pages)


def contains(text: str, needle: str, where: str) -> bool:
    if where == "pdf":
        # A PDF's lines break anywhere, inside an address too: compare without any space.
        return "".join(needle.split()) in "".join(text.split())
    return needle in text


def never_shown(world) -> list[str]:
    """What no delegate-facing page or file may contain."""
    secrets = [
        ALPHA_HOMEPAGE,
        "alpha-unshared-homepage",
        BETA_REASON,
        STAFF_NOTE,
        OTHER_STATE_REASON,
        "Germany",
        DRAFT_ONLY,
        "legal_status.pdf",
        "head_letter.pdf",
        "/documents/",
        *PARTICIPANTS.values(),
    ]
    for application in (world.alpha, world.beta):
        organization = application.organization
        secrets += [
            organization.contact_email,
            organization.phone,
            organization.head_name,
            *(person.email for person in organization.focal_points.all()),
        ]
        secrets += [str(document.public_id) for document in application.documents.all()]
        secrets += [person.full_name for person in application.proposed_participants.all()]
    return secrets


def test_a_delegate_sees_exactly_what_was_shared_on_every_page_and_file(world, delegate_client):
    world.start_next_draft()
    secrets = never_shown(world)
    shown = [ALPHA, BETA, "Kenya", ALPHA_REASON, BETA_HOMEPAGE]

    home = delegate_client.get(reverse("reviews:delegate_home"))
    assert home.status_code == 200
    list_page = delegate_client.get(world.url())
    assert list_page.status_code == 200
    files = {
        file_format: delegate_client.get(world.url("delegate_export", file_format=file_format))
        for file_format in ("csv", "xlsx", "pdf")
    }
    texts = {"home": page_text(home), "list": page_text(list_page)}
    for file_format, response in files.items():
        assert response.status_code == 200, file_format
        texts[file_format] = export_text(response, file_format)

    for where, text in texts.items():
        leaked = [secret for secret in secrets if contains(text, secret, where)]
        assert not leaked, f"{where} shows {leaked}"
    assert CALL in texts["home"]
    for where in ("list", "csv", "xlsx", "pdf"):
        missing = [item for item in shown if not contains(texts[where], item, where)]
        assert not missing, f"{where} lacks {missing}"
    # The shared homepage is a link that gives the organization nothing of the delegate.
    assert f'href="{BETA_HOMEPAGE}" rel="noopener noreferrer"' in texts["list"]
    # Another Member State's objection does not show as the delegate's own.
    assert "Your Member State objects" not in texts["list"]


def test_home_lists_the_latest_circulated_version_of_each_call_with_its_counts(
    world, delegate_client
):
    services.lodge_objection(entry=world.entry(world.alpha), by=world.delegate)
    world.start_next_draft()
    response = delegate_client.get(reverse("reviews:delegate_home"))
    text = page_text(response)
    assert text.count(reverse("reviews:delegate_list", args=[world.list.pk])) == 1
    assert "Version 1" in text
    assert "Version 2" not in text
    assert selectors.deadline_words(world.list) in text
    assert "2 organizations" in text
    # Germany's objection to Beta is not counted: only France's own.
    assert "your Member State objects to 1 of them" in text


def test_home_says_when_no_list_was_circulated(delegate_client):
    response = delegate_client.get(reverse("reviews:delegate_home"))
    assert response.status_code == 200
    assert "No list has been circulated to Member States yet." in page_text(response)


def test_the_list_page_states_the_deadline_and_offers_each_step_by_name(world, delegate_client):
    text = page_text(delegate_client.get(world.url()))
    assert f"{CALL}</span>: list for Member States, version 1" in text
    assert selectors.deadline_words(world.list) in text
    assert "Member States may ask for information and object until" in text
    for file_format in ("csv", "xlsx", "pdf"):
        assert world.url("delegate_export", file_format=file_format) in text
    # Each button names the organization it acts on.
    assert f'Ask for it<span class="visually-hidden"> (the homepage of {ALPHA})</span>' in text
    assert (
        f'Ask for it<span class="visually-hidden"> (the reason for participation of {BETA})</span>'
        in text
    )
    assert f'Object<span class="visually-hidden"> to {ALPHA}</span>' in text
    assert f'Object<span class="visually-hidden"> to {BETA}</span>' in text
    # Every reason field has its own label.
    for application in (world.alpha, world.beta):
        field_id = f"objection-{world.entry(application).pk}-reason"
        assert f'<label class="form-label small mb-1" for="{field_id}">' in text
        assert f'id="{field_id}"' in text
    assert text.count('name="csrfmiddlewaretoken"') >= 5


# Who may open the pages -----------------------------------------------------------------

OTHERS = [
    people.APPLICANT_A,
    people.APPLICANT_B,
    people.REVIEWER,
    people.PGA_OFFICE_MEMBER,
    people.ADMINISTRATOR,
    people.SUPERUSER,
]


def delegate_urls(world):
    alpha = world.entry(world.alpha).pk
    return [
        ("get", reverse("reviews:delegate_home"), {}),
        ("get", world.url(), {}),
        ("get", world.url("delegate_export", file_format="csv"), {}),
        ("get", world.url("delegate_export", file_format="xlsx"), {}),
        ("get", world.url("delegate_export", file_format="pdf"), {}),
        ("post", reverse("reviews:delegate_request", args=[alpha]), {"item": "reason"}),
        ("post", reverse("reviews:delegate_object", args=[alpha]), {"reason": "No"}),
        ("post", reverse("reviews:delegate_withdraw", args=[alpha]), {}),
    ]


@pytest.mark.parametrize("role", OTHERS)
def test_anyone_but_a_delegate_finds_no_delegate_page(world, role):
    client = people.signed_in_client(role)
    for method, url, data in delegate_urls(world):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (role, method, url)
    assert not InformationRequest.objects.filter(member_state="FR").exists()
    assert not Objection.objects.filter(member_state="FR").exists()


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    for method, url, data in delegate_urls(world):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_a_delegate_whose_member_state_is_not_set_is_told_so(world, client):
    without_state = delegate_of("", "delegate.without.state@mission.example")
    sign_in(client, without_state)
    home = client.get(reverse("reviews:delegate_home"))
    assert home.status_code == 200
    assert "An administrator must set your Member State" in page_text(home)
    for method, url, data in delegate_urls(world)[1:]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "An administrator must set your Member State" in page_text(response)
    assert not InformationRequest.objects.filter(delegate=without_state).exists()
    assert not Objection.objects.filter(delegate=without_state).exists()


def test_drafts_and_superseded_versions_are_not_found(world, delegate_client):
    draft = world.start_next_draft()
    draft_entry = draft.entries.first()
    for url in (
        reverse("reviews:delegate_list", args=[draft.pk]),
        reverse("reviews:delegate_export", args=[draft.pk, "csv"]),
    ):
        assert delegate_client.get(url).status_code == 404
    assert (
        delegate_client.post(reverse("reviews:delegate_object", args=[draft_entry.pk])).status_code
        == 404
    )
    first_version = world.list
    alpha_entry = world.entry(world.alpha)
    services.circulate(
        member_state_list=draft,
        by=world.office,
        objection_deadline=timezone.now() + timedelta(days=3),
    )
    first_version.refresh_from_db()
    assert first_version.status == MemberStateList.Status.SUPERSEDED
    assert delegate_client.get(world.url()).status_code == 404
    assert delegate_client.get(world.url("delegate_export", file_format="pdf")).status_code == 404
    assert (
        delegate_client.post(reverse("reviews:delegate_object", args=[alpha_entry.pk])).status_code
        == 404
    )
    home = page_text(delegate_client.get(reverse("reviews:delegate_home")))
    assert reverse("reviews:delegate_list", args=[draft.pk]) in home
    assert reverse("reviews:delegate_list", args=[first_version.pk]) not in home
    assert delegate_client.get(reverse("reviews:delegate_list", args=[draft.pk])).status_code == 200


def test_an_unknown_file_format_is_not_found(world, delegate_client):
    assert delegate_client.get(world.url("delegate_export", file_format="docx")).status_code == 404


# Requests and objections ------------------------------------------------------------------


def test_a_request_reaches_the_office_and_what_it_shares_every_delegate_sees(
    world, delegate_client
):
    beta = world.entry(world.beta)
    url = reverse("reviews:delegate_request", args=[beta.pk])
    response = delegate_client.post(url, {"item": "reason"}, follow=True)
    # Back at the entry acted on: the reader keeps their place.
    assert response.redirect_chain == [(f"{world.url()}#entry-{beta.pk}", 302)]
    text = page_text(response)
    assert f"You asked for the reason for participation of {BETA}." in text
    assert "Asked on" in text
    delegate_client.post(url, {"item": "reason"})  # asking twice asks once
    (request,) = InformationRequest.objects.filter(entry=beta)
    assert (request.item, request.member_state.code, request.delegate) == (
        SharedItem.REASON,
        "FR",
        world.delegate,
    )
    assert selectors.open_information_requests(world.list) == [request]

    services.share(entry=beta, item=SharedItem.REASON, by=world.office)
    assert selectors.open_information_requests(world.list) == []
    assert BETA_REASON in page_text(delegate_client.get(world.url()))
    other = sign_in(Client(), world.other_delegate)
    assert BETA_REASON in page_text(other.get(world.url()))


def test_a_delegate_objects_withdraws_and_objects_again(world, delegate_client):
    alpha = world.entry(world.alpha)
    response = delegate_client.post(
        reverse("reviews:delegate_object", args=[alpha.pk]),
        {"reason": "  Not a non-governmental organization.  "},
        follow=True,
    )
    text = page_text(response)
    assert f"Your Member State objects to {ALPHA}." in text
    assert "Your Member State objects (" in text
    assert "Reason: Not a non-governmental organization." in text
    assert f'Withdraw<span class="visually-hidden"> the objection to {ALPHA}</span>' in text

    response = delegate_client.post(
        reverse("reviews:delegate_withdraw", args=[alpha.pk]), follow=True
    )
    text = page_text(response)
    assert f"Your Member State&#x27;s objection to {ALPHA} is withdrawn." in text
    assert "Your Member State objects (" not in text
    assert f'Object<span class="visually-hidden"> to {ALPHA}</span>' in text

    delegate_client.post(reverse("reviews:delegate_object", args=[alpha.pk]), {"reason": ""})
    objections = Objection.objects.filter(entry=alpha, member_state="FR").order_by("pk")
    assert [item.withdrawn_at is None for item in objections] == [False, True]
    assert [item.reason for item in objections] == ["Not a non-governmental organization.", ""]
    # Objecting twice is refused with a message, and changes nothing.
    response = delegate_client.post(
        reverse("reviews:delegate_object", args=[alpha.pk]), {"reason": "Again"}, follow=True
    )
    assert "Your Member State already objects to this organization." in page_text(response)
    assert objections.count() == 2
    # Withdrawing what is not there is refused with a message too.
    beta = world.entry(world.beta)
    response = delegate_client.post(
        reverse("reviews:delegate_withdraw", args=[beta.pk]), follow=True
    )
    assert "Your Member State has no objection to withdraw here." in page_text(response)
    assert Objection.objects.standing().filter(entry=beta, member_state="DE").exists()


def test_after_the_deadline_an_objection_is_refused_with_a_message(world, client):
    alpha = world.entry(world.alpha)
    services.lodge_objection(entry=world.entry(world.beta), by=world.delegate, reason="Kept")
    with time_machine.travel(world.deadline + timedelta(minutes=1)):
        sign_in(client, world.delegate)
        response = client.post(
            reverse("reviews:delegate_object", args=[alpha.pk]), {"reason": "Late"}, follow=True
        )
        text = page_text(response)
        assert response.redirect_chain == [(f"{world.url()}#entry-{alpha.pk}", 302)]
        assert "The deadline for this list has passed:" in text
        assert not Objection.objects.filter(entry=alpha, member_state="FR").exists()
        # Nor withdrawn, nor asked for, once closed.
        client.post(reverse("reviews:delegate_withdraw", args=[world.entry(world.beta).pk]))
        client.post(reverse("reviews:delegate_request", args=[alpha.pk]), {"item": "homepage"})
        assert Objection.objects.standing().filter(member_state="FR").count() == 1
        assert not InformationRequest.objects.exists()
        # The page takes nothing any more, and says why.
        text = page_text(client.get(world.url()))
        assert "has passed: the list no longer takes requests or objections." in text
        assert "<form" not in text.split("<main", 1)[1].split("</main>", 1)[0]
        assert "Your Member State objects (" in text
        home = page_text(client.get(reverse("reviews:delegate_home")))
        assert "Closed: the deadline for objections was" in home


def test_a_finalized_list_stays_readable_without_forms(world, client):
    with time_machine.travel(world.deadline + timedelta(hours=1)):
        services.finalize(member_state_list=world.list, by=world.office)
        sign_in(client, world.delegate)
        response = client.get(world.url())
        assert response.status_code == 200
        text = page_text(response)
        assert "the list was finalized on" in text
        assert "<form" not in text.split("<main", 1)[1].split("</main>", 1)[0]


# Whatever is sent, a message, never a 500 -----------------------------------------------


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("a\x00b", "Null characters are not allowed."),
        ("x" * 100_000, "Ensure this value has at most 2000 characters (it has 100000)."),
    ],
)
def test_a_bad_reason_is_refused_by_its_field(world, delegate_client, reason, error):
    alpha = world.entry(world.alpha)
    response = delegate_client.post(
        reverse("reviews:delegate_object", args=[alpha.pk]), {"reason": reason}
    )
    assert response.status_code == 400
    text = page_text(response)
    field_id = f"objection-{alpha.pk}-reason"
    assert f'<p class="invalid-feedback d-block" id="{field_id}-error">{error}</p>' in text
    assert f'aria-describedby="{field_id}-error"' in text
    assert f'href="#{field_id}"' in text  # the error summary links to the field
    assert "<title>Error:" in text
    assert not Objection.objects.filter(member_state="FR").exists()


@pytest.mark.parametrize("item", ["documents", "", "a\x00b", "x" * 100_000, "²"])
def test_an_unknown_item_is_refused_with_a_message(world, delegate_client, item):
    response = delegate_client.post(
        reverse("reviews:delegate_request", args=[world.entry(world.alpha).pk]),
        {"item": item},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose what to ask for: the homepage or the reason." in page_text(response)
    assert not InformationRequest.objects.exists()


def test_bytes_that_are_not_utf8_and_unknown_entries_are_no_error(world, delegate_client):
    alpha = world.entry(world.alpha)
    response = delegate_client.post(
        reverse("reviews:delegate_object", args=[alpha.pk]),
        b"reason=%FF%FE%FA",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400)
    for name in ("delegate_object", "delegate_withdraw", "delegate_request"):
        assert delegate_client.post(reverse(f"reviews:{name}", args=[987654])).status_code == 404
    assert delegate_client.get(reverse("reviews:delegate_list", args=[987654])).status_code == 404
    # A GET on a step changes nothing.
    assert (
        delegate_client.get(reverse("reviews:delegate_object", args=[alpha.pk])).status_code == 405
    )


# However long the list ------------------------------------------------------------------


def bulk_list(size: int, delegate) -> MemberStateList:
    """A circulated list of ``size`` entries, made in a few queries; some shared, some asked
    for, some objected to by France and some by Germany."""
    call = CallFactory()
    now = timezone.now()
    member_state_list = MemberStateList.objects.create(
        call=call,
        version=1,
        status=MemberStateList.Status.CIRCULATED,
        objection_deadline=now + timedelta(days=7),
        circulated_at=now,
    )
    organizations = Organization.objects.bulk_create(
        OrganizationFactory.build(name=f"Organization {call.pk}-{number:04d}")
        for number in range(size)
    )
    applications = Application.objects.bulk_create(
        ApplicationFactory.build(
            organization=organization,
            call=call,
            status=Status.RECOMMENDED,
            reference=f"SA-{call.pk}-{number:05d}",
            submitted_at=now,
        )
        for number, organization in enumerate(organizations)
    )
    entries = add_list_entries(
        member_state_list,
        applications,
        homepage_shared=lambda number: number % 2 == 0,
        reason_shared=lambda number: number % 3 == 0,
    )
    other = people.reviewer()
    Objection.objects.bulk_create(
        Objection(entry=entry, member_state=state, delegate=by, reason="Reason")
        for number, entry in enumerate(entries)
        for state, by in (("FR", delegate), ("DE", other))
        if number % 4 == 0
    )
    InformationRequest.objects.bulk_create(
        InformationRequest(
            entry=entry, item=SharedItem.REASON, member_state="FR", delegate=delegate
        )
        for number, entry in enumerate(entries)
        if number % 3 == 1
    )
    return member_state_list


def test_the_list_page_makes_as_many_queries_for_200_entries_as_for_10(delegate_client):
    delegate = people.delegate()
    counts = {}
    for size in (10, 200):
        member_state_list = bulk_list(size, delegate)
        url = reverse("reviews:delegate_list", args=[member_state_list.pk])
        with CaptureQueriesContext(connection) as queries:
            response = delegate_client.get(url)
        assert response.status_code == 200
        assert page_text(response).count("Your Member State objects (") == len(range(0, size, 4))
        counts[size] = len(queries)
    assert counts[10] == counts[200], counts
    with CaptureQueriesContext(connection) as queries:
        delegate_client.get(reverse("reviews:delegate_home"))
    home_queries = len(queries)
    bulk_list(30, delegate)
    with CaptureQueriesContext(connection) as queries:
        delegate_client.get(reverse("reviews:delegate_home"))
    assert len(queries) == home_queries


# In real Chromium -------------------------------------------------------------------------


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_a_delegate_signs_in_asks_for_a_reason_objects_and_withdraws(page, live_server, settings):
    settings.SITE_URL = live_server.url
    delegate = UserFactory(email=people.EMAILS[people.DELEGATE], member_state="FR")
    delegate.groups.add(Group.objects.get(name=MEMBER_STATE_DELEGATES))
    factor = account_services.begin_second_factor_setup(user=delegate)
    totp = pyotp.TOTP(factor.secret)
    account_services.confirm_second_factor(
        user=delegate, code=totp.at(timezone.now(), counter_offset=-1)
    )
    world = World()
    page.context.add_init_script(path=axe_script())
    home_url = reverse("reviews:delegate_home")

    # Signing in by link and second factor leads back to the delegate's home.
    page.goto(home_url)
    page.wait_for_url(f"**{reverse('accounts:sign_in')}?next=**")
    sign_in_by_mail(page, live_server, delegate.email)
    page.wait_for_url(f"**{reverse('accounts:second_factor_verify')}?next=**")
    expect(heading(page)).to_have_text("Type the code from your authenticator app")
    page.get_by_role("textbox", name="Code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}{home_url}")
    expect(heading(page)).to_have_text("Lists for Member States")
    expect(page.get_by_role("main")).to_contain_text("your Member State objects to none of them")
    assert axe_violations(page) == []

    # On a phone: the list's rows stack, nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name=CALL).click()
    page.wait_for_url(f"**{world.url()}")
    expect(heading(page)).to_have_text(f"{CALL}: list for Member States, version 1")
    expect(page.get_by_role("main")).to_contain_text(selectors.deadline_words(world.list))
    assert no_sideways_scrolling(page)
    assert [describe_violation(item) for item in axe_violations(page)] == []
    alpha_row = page.locator(f"#entry-{world.entry(world.alpha).pk}")
    beta_row = page.locator(f"#entry-{world.entry(world.beta).pk}")
    expect(alpha_row).to_contain_text(ALPHA_REASON)
    expect(beta_row.get_by_role("link", name=BETA_HOMEPAGE)).to_have_attribute(
        "rel", "noopener noreferrer"
    )

    # Asking for Beta's reason.
    page.get_by_role("button", name=f"Ask for it (the reason for participation of {BETA})").click()
    page.wait_for_url(f"**{world.url()}#entry-*")
    expect(page.get_by_role("status")).to_contain_text(
        f"You asked for the reason for participation of {BETA}."
    )
    expect(beta_row).to_contain_text("Asked on")
    expect(
        page.get_by_role("button", name=f"Ask for it (the reason for participation of {BETA})")
    ).to_have_count(0)
    assert InformationRequest.objects.filter(
        entry=world.entry(world.beta), item=SharedItem.REASON, member_state="FR"
    ).exists()

    # Objecting to Alpha, with a reason.
    page.get_by_role("textbox", name=f"Reason (optional) for objecting to {ALPHA}").fill(
        "Its statutes do not make it a non-governmental organization."
    )
    page.get_by_role("button", name=f"Object to {ALPHA}").click()
    page.wait_for_url(f"**{world.url()}#entry-*")
    expect(page.get_by_role("status")).to_contain_text(f"Your Member State objects to {ALPHA}.")
    expect(alpha_row).to_contain_text("Your Member State objects (")
    expect(alpha_row).to_contain_text(
        "Reason: Its statutes do not make it a non-governmental organization."
    )
    expect(page.get_by_role("button", name=f"Object to {ALPHA}")).to_have_count(0)
    assert no_sideways_scrolling(page)
    assert [describe_violation(item) for item in axe_violations(page)] == []

    # And withdrawing it.
    page.get_by_role("button", name=f"Withdraw the objection to {ALPHA}").click()
    page.wait_for_url(f"**{world.url()}#entry-*")
    expect(page.get_by_role("status")).to_contain_text(
        f"Your Member State's objection to {ALPHA} is withdrawn."
    )
    expect(alpha_row).not_to_contain_text("Your Member State objects (")
    expect(page.get_by_role("button", name=f"Object to {ALPHA}")).to_be_visible()
    (objection,) = Objection.objects.filter(entry=world.entry(world.alpha))
    assert objection.withdrawn_at is not None
