"""Whatever is typed or sent, the portal answers with a page or a message, never a 500.

Each form of the portal, the applicant's and the staff's, and each admin list's filters and
search, get NUL characters (which PostgreSQL refuses), line breaks where one line is
expected, 100,000 characters and bytes that are not UTF-8, field by field, as the person
who uses them. Run on PostgreSQL as well as SQLite: NUL characters fail only there.
"""

import traceback
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.middleware import PENDING_SIGN_IN
from accounts.models import SecondFactor
from accounts.roles import ADMINISTRATORS, PGA_OFFICE, REVIEWERS
from accreditation import services
from accreditation.models import Application, Invitation, Status, StatusChange
from registration.models import EcosocConfirmation
from reviews import services as review_services
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    RepresentativeFactory,
    StaffFactory,
    UserFactory,
    VenueFactory,
    complete_application,
    open_registration,
)
from tests.helpers import sign_in
from tests.reviews.test_admin_lookups import own_parameters

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parent.parent
# Bytes are sent as they are: %FF%FE is not UTF-8.
BAD = {
    "nul": "a\x00b",
    "crlf": "first line\r\nBcc: someone@example.org\r\n",
    "long": "x" * 100_000,
    "not_utf8": b"\xff\xfe\xfa",
}
KINDS = list(BAD)
# Values a filter or an id may get besides: a digit that is no number, past any integer.
ODD = ["²", "9" * 20, ""]


class Probe:
    """Sends requests and keeps every answer of 500 or more, with where the code failed."""

    def __init__(self, client):
        self.client = client
        client.raise_request_exception = False
        self.failures = []

    def _keep(self, response, method, url, what):
        if response.status_code >= 500:
            self.failures.append(
                f"{method} {url[:120]} [{what}]: {response.status_code} {where(response)}"
            )
        return response

    def get(self, url, params=(), *, what=""):
        query = urlencode(
            list(params.items()) if isinstance(params, dict) else list(params), doseq=True
        )
        full = f"{url}?{query}" if query else url
        return self._keep(self.client.get(full), "GET", full, what)

    def post(self, url, data, *, what=""):
        """A form post, urlencoded here so that bytes go as they are."""
        pairs = []
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            pairs += [(key, item) for item in values]
        response = self.client.generic(
            "POST", url, urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )
        return self._keep(response, "POST", url, what)

    def post_multipart(self, url, data, *, what=""):
        return self._keep(self.client.post(url, data), "POST", url, what)

    def fields(self, url, valid, bad, *, fields=None):
        """The valid form with each field (or the listed ones) given the bad value.

        NUL characters and line breaks go field by field, the rest of the form valid: a value
        that passes the form may still fail where it is saved or sent on (a mail header, the
        database). Over-long and non-UTF-8 values are refused or replaced by the form itself,
        so one request with every field bad at once stands for them.
        """
        names = list(fields or valid)
        if bad in (BAD["long"], BAD["not_utf8"]):
            self.post(url, valid | dict.fromkeys(names, bad), what="every field")
            return
        for name in names:
            self.post(url, valid | {name: bad}, what=name)


def where(response) -> str:
    if not getattr(response, "exc_info", None):
        return ""
    _type, error, tb = response.exc_info
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if frame.filename.startswith(str(PROJECT)) and "/.venv/" not in frame.filename
    ]
    frame = frames[-1] if frames else traceback.extract_tb(tb)[-1]
    return f"{type(error).__name__}: {str(error)[:160]} at {frame.filename}:{frame.lineno} ({frame.name})"


def staff(role=None):
    if role is None:
        return StaffFactory()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def submitted_application():
    application = complete_application()
    focal_point = application.organization.memberships.first().user
    services.submit_application(application=application, by=focal_point)
    application.refresh_from_db()
    return application, focal_point


def organization_fields(organization=None):
    return {
        "name": getattr(organization, "name", "Migrant Voices Network"),
        "acronym": "MVN",
        "type": "migrant",
        "country": "KE",
        "city": "Nairobi",
        "year_established": "2009",
        "homepage": "www.migrantvoices.example",
        "contact_email": "info@migrantvoices.example",
        "phone": "+254 20 000000",
        "head_name": "Grace Wanjiru",
        "head_title": "Executive Director",
        "areas_of_work": "Migrant rights",
        "in_ecosoc_status": "",
    }


# The applicant's forms ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_organization_profile_and_an_invitation_after_it(client, kind):
    bad = BAD[kind]
    focal_point = FocalPointFactory()
    probe = Probe(sign_in(client, focal_point.user))
    url = reverse("accreditation:organization")

    probe.fields(url, organization_fields(focal_point.organization), bad)
    probe.get(url, {"next": bad}, what="next")
    probe.post(f"{url}?{urlencode({'next': bad})}", organization_fields(), what="next")
    # A name stored with a line break must not break the mail that names the organization.
    probe.post(
        reverse("accreditation:invite"),
        {"email": f"colleague-{kind}@example.org"},
        what="invitation after the profile",
    )
    probe.post(reverse("accreditation:invite"), {"email": bad}, what="email")

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_accepting_an_invitation_and_starting_an_application(client, kind):
    bad = BAD[kind]
    focal_point = FocalPointFactory()
    invited = UserFactory(email="invited@example.org")
    invitation = Invitation.objects.create(
        organization=focal_point.organization, email=invited.email, invited_by=focal_point.user
    )
    call = CallFactory()
    probe = Probe(sign_in(client, invited))

    probe.post(
        reverse("accreditation:accept_invitation", args=[invitation.pk]), {"x": bad}, what="x"
    )
    sign_in(client, focal_point.user)
    probe.post(reverse("accreditation:start", args=[call.slug]), {"x": bad}, what="x")
    probe.get(reverse("accreditation:start", args=[call.slug]), {"x": bad}, what="query")

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_the_application_page(client, kind):
    bad = BAD[kind]
    focal_point = FocalPointFactory()
    application = ApplicationFactory(organization=focal_point.organization)
    meeting = application.call.meetings.create(
        title="Plenary",
        kind="high_level_meeting",
        start_date="2030-11-22",
        end_date="2030-11-23",
        venue=application.call.venue,
        format="in_person",
    )
    probe = Probe(sign_in(client, focal_point.user))
    url = reverse("accreditation:application", args=[application.pk])
    valid = {
        "reason": "We work with migrants.",
        "meetings": [str(meeting.pk)],
        "acknowledged": "on",
    }

    probe.fields(url, valid, bad)
    probe.post(url, valid | {"action": bad}, what="action")
    probe.post(url, valid | {"meetings": [str(meeting.pk), bad]}, what="meetings (one of two)")
    probe.post_multipart(
        url,
        valid
        | {
            "legal_status": SimpleUploadedFile(
                "statutes.pdf", b"%PDF-1.4\x00" + bad.encode() if isinstance(bad, str) else bad
            )
        },
        what="legal_status file",
    )
    probe.post_multipart(
        url,
        valid
        | {
            "legal_status": SimpleUploadedFile(
                "a\x00b.pdf" if kind == "nul" else "x.pdf", b"%PDF-1.4\n"
            )
        },
        what="legal_status file name",
    )
    probe.post(reverse("accreditation:submit", args=[application.pk]), {"x": bad}, what="submit")
    probe.post(
        reverse("accreditation:delete_draft", args=[application.pk]), {"x": bad}, what="delete"
    )

    assert not probe.failures, "\n".join(probe.failures)


def test_the_application_page_with_meetings_that_are_not_numbers_or_past_any(client):
    focal_point = FocalPointFactory()
    application = ApplicationFactory(organization=focal_point.organization)
    probe = Probe(sign_in(client, focal_point.user))
    url = reverse("accreditation:application", args=[application.pk])

    for odd in ODD:
        probe.post(
            url, {"reason": "We work with migrants.", "meetings": odd}, what=f"meetings={odd!r}"
        )

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_withdrawing_an_application(client, kind):
    application, focal_point = submitted_application()
    probe = Probe(sign_in(client, focal_point))

    probe.post(
        reverse("accreditation:withdraw", args=[application.pk]), {"note": BAD[kind]}, what="note"
    )

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_the_account_page_and_the_language_switcher(client, kind):
    bad = BAD[kind]
    user = FocalPointFactory().user
    probe = Probe(sign_in(client, user))
    valid = {"given_name": "Amina", "family_name": "Diallo", "preferred_language": "en"}

    probe.fields(reverse("accounts:account"), valid, bad)
    probe.fields(reverse("set_language"), {"language": "fr", "next": "/"}, bad)

    assert not probe.failures, "\n".join(probe.failures)


# Signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_sign_in_forms(client, kind):
    bad = BAD[kind]
    UserFactory(email="amina@example.org")
    probe = Probe(client)
    sign_in_url = reverse("accounts:sign_in")

    probe.get(sign_in_url, {"next": bad}, what="next")
    probe.fields(sign_in_url, {"email": "amina@example.org", "next": "/dashboard/"}, bad)
    # The one-time code, in the browser that asked for the link.
    probe.post(sign_in_url, {"email": "amina@example.org", "next": ""}, what="a real request")
    assert PENDING_SIGN_IN in client.session
    probe.post(reverse("accounts:sign_in_sent"), {"code": bad}, what="code")
    # The link itself, and a link with something else in place of the token.
    probe.get("/s/" + quote(bad if isinstance(bad, str) else "\ufffd") + "/", what="token")
    probe.post("/s/" + quote(bad if isinstance(bad, str) else "\ufffd") + "/", {}, what="token")
    probe.get(reverse("admin_login"), {"next": bad}, what="admin next")

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_the_second_factor_forms(client, kind):
    bad = BAD[kind]
    newcomer = StaffFactory()
    probe = Probe(sign_in(client, newcomer, second_factor_passed=False))
    setup = reverse("accounts:second_factor_setup")

    probe.get(setup, {"next": bad}, what="next")
    probe.post(setup, {"code": bad}, what="code")
    probe.post(setup, {"code": "123456", "next": bad}, what="next")

    enrolled = StaffFactory()
    SecondFactor.objects.create(user=enrolled, secret="A" * 32, confirmed_at=enrolled.date_joined)
    sign_in(client, enrolled, second_factor_passed=False)
    verify = reverse("accounts:second_factor_verify")
    probe.get(verify, {"next": bad}, what="next")
    probe.post(verify, {"code": bad}, what="code")
    probe.post(verify, {"code": "123456", "next": bad}, what="next")

    assert not probe.failures, "\n".join(probe.failures)


# The staff's forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_review_steps_and_internal_notes(client, kind):
    bad = BAD[kind]
    application, _focal_point = submitted_application()
    probe = Probe(sign_in(client, staff(REVIEWERS)))

    def review(action, data, what):
        url = reverse("admin:accreditation_application_review", args=[application.pk, action])
        probe.post(url, data, what=f"{action}: {what}")

    review("start_review", {"message": bad}, "message")
    for field in ["message", "internal_reason"]:
        review(
            "request_information",
            {"message": "Please send the statutes.", "internal_reason": "Why"} | {field: bad},
            field,
        )
        review(
            "not_recommend",
            {"message": "No.", "internal_reason": "Off topic."} | {field: bad},
            field,
        )
    review(quote(bad) if isinstance(bad, str) else "x", {}, "action in the address")
    probe.post(
        reverse("admin:accreditation_application_note", args=[application.pk]),
        {"text": bad},
        what="staff note",
    )
    probe.get(
        reverse("admin:accreditation_application_change", args=[application.pk]),
        what="the page after",
    )

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_the_ecosoc_import(client, kind):
    bad = BAD[kind]
    probe = Probe(sign_in(client, staff(REVIEWERS)))
    url = reverse("admin:accreditation_application_import_ecosoc")
    raw = bad if isinstance(bad, bytes) else bad.encode()

    for content in [
        b"name,country,status\nMigrant " + raw + b" Network,Kenya,Special\n",
        b"name,country,status\nMigrant Network," + raw + b",Special\n",
        b"name," + raw + b",status\nMigrant Network,Kenya,Special\n",
        raw,
    ]:
        probe.post_multipart(
            url,
            {"file": SimpleUploadedFile("ecosoc.csv", content, content_type="text/csv")},
            what=f"file {content[:40]!r}",
        )

    assert not probe.failures, "\n".join(probe.failures)


def accredited_with_registration_open():
    """A focal point whose organization is accredited to a call with registration open,
    one representative registered, and an ECOSOC request from another organization."""
    application, focal_point = submitted_application()
    Application.objects.filter(pk=application.pk).update(status=Status.ACCREDITED)
    call = open_registration(application.call)
    representative = RepresentativeFactory(
        organization=application.organization, call=call, meetings=list(call.meetings.all())
    )
    return call, focal_point, representative


def representative_fields(call):
    return {
        "full_name": "Amina Diallo",
        "function": "Policy officer",
        "gender": "female",
        "nationality": "SN",
        "email": "amina@example.org",
        "language": "en",
        "meetings": [str(meeting.pk) for meeting in call.meetings.all()],
        "kept_photo": "",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_the_representatives_forms(client, kind):
    bad = BAD[kind]
    call, focal_point, representative = accredited_with_registration_open()
    probe = Probe(sign_in(client, focal_point))
    valid = representative_fields(call)
    add = reverse("registration:add", args=[call.slug])
    edit = reverse("registration:edit", args=[representative.public_id])

    probe.fields(add, valid, bad)
    probe.fields(edit, valid, bad)
    for odd in [bad, *ODD]:
        probe.post(add, valid | {"meetings": odd}, what=f"meetings={odd!r}")
        probe.get(add, {"from": odd}, what=f"from={odd!r}")
    raw = bad if isinstance(bad, bytes) else bad.encode()
    probe.post_multipart(
        add,
        valid | {"photo": SimpleUploadedFile("face.jpg", b"\xff\xd8\xff" + raw)},
        what="photo content",
    )
    probe.post_multipart(
        add,
        valid | {"photo": SimpleUploadedFile("a\x00b.jpg" if kind == "nul" else "x.jpg", raw)},
        what="photo file name",
    )
    probe.post(reverse("registration:ecosoc", args=[call.slug]), {"x": bad}, what="ECOSOC request")
    probe.post(
        reverse("registration:remove", args=[representative.public_id]), {"x": bad}, what="remove"
    )

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_the_participant_list_s_filters_and_exports(client, kind):
    bad = BAD[kind]
    call, _focal_point, _representative = accredited_with_registration_open()
    probe = Probe(sign_in(client, staff(PGA_OFFICE)))
    page = reverse("reviews:office_participants", args=[call.slug])
    filters = ["meeting", "regional_group", "organization_type", "gender", "organization", "page"]

    for url in [page] + [
        reverse("reviews:office_participants_export", args=[call.slug, file_format])
        for file_format in ("csv", "xlsx", "pdf")
    ]:
        for name in filters:
            for odd in [bad, *ODD]:
                response = probe.get(url, {name: odd}, what=f"{name}={odd!r}")
                if response.streaming:
                    b"".join(response.streaming_content)

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("kind", KINDS)
def test_refusing_an_ecosoc_status(client, kind):
    call, _focal_point, _representative = accredited_with_registration_open()
    organization = OrganizationFactory(in_ecosoc_status=True)
    confirmation = EcosocConfirmation.objects.create(organization=organization, call=call)
    probe = Probe(sign_in(client, staff(REVIEWERS)))

    for decision in ("refuse", "confirm"):
        probe.post(
            reverse(
                "admin:registration_ecosocconfirmation_decide", args=[confirmation.pk, decision]
            ),
            {"reason": BAD[kind]},
            what=f"{decision} reason",
        )

    assert not probe.failures, "\n".join(probe.failures)


def call_form(venue, **changes):
    return {
        "title": "High-level meeting on trafficking in persons",
        "slug": "trafficking",
        "mandate": "General Assembly resolution 75/283",
        "mandate_symbol": "A/RES/75/283",
        "summary": "",
        "eligibility": "non_ecosoc",
        "venue": str(venue.pk),
        "opens_at_0": "2021-09-15",
        "opens_at_1": "00:00:00",
        "deadline_0": "2021-10-14",
        "deadline_1": "23:59:00",
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "max_representatives": "2",
        "is_published": "on",
        "meetings-TOTAL_FORMS": "1",
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "1000",
        "meetings-0-title": "Plenary",
        "meetings-0-kind": "high_level_meeting",
        "meetings-0-start_date": "2030-11-22",
        "meetings-0-end_date": "2030-11-23",
        "meetings-0-venue": str(venue.pk),
        "meetings-0-format": "in_person",
    } | changes


@pytest.mark.parametrize("kind", KINDS)
def test_the_call_venue_and_meeting_forms(client, kind):
    bad = BAD[kind]
    venue = VenueFactory()
    call = CallFactory(venue=venue)
    probe = Probe(sign_in(client, staff(ADMINISTRATORS)))

    probe.fields(reverse("admin:events_call_add"), call_form(venue), bad)
    probe.fields(
        reverse("admin:events_call_change", args=[call.pk]), call_form(venue, slug=call.slug), bad
    )
    probe.fields(
        reverse("admin:events_venue_add"),
        {
            "name": "Palais des Nations",
            "city": "Geneva",
            "country": "CH",
            "time_zone": "Europe/Zurich",
        },
        bad,
    )
    probe.fields(
        reverse("admin:events_meeting_add"),
        {
            "call": str(call.pk),
            "title": "Hearing",
            "kind": "hearing",
            "start_date": "2030-11-20",
            "end_date": "2030-11-20",
            "venue": str(venue.pk),
            "format": "hybrid",
        },
        bad,
    )
    for name in ["venue", "call"]:
        # The pickers ask the list of venues and calls as they type.
        probe.get(
            reverse("admin:autocomplete"),
            {"term": bad, "app_label": "events", "model_name": "meeting", "field_name": name},
            what=f"autocomplete {name}",
        )

    assert not probe.failures, "\n".join(probe.failures)


def user_form(user, **changes):
    return {
        "email": user.email,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "preferred_language": user.preferred_language,
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(Group.objects.get(name=ADMINISTRATORS).pk)],
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
        "security_events-TOTAL_FORMS": "0",
        "security_events-INITIAL_FORMS": "0",
        "security_events-MIN_NUM_FORMS": "0",
        "security_events-MAX_NUM_FORMS": "1000",
    } | changes


@pytest.mark.parametrize("role", [ADMINISTRATORS, "superuser"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_user_forms(client, kind, role):
    bad = BAD[kind]
    probe = Probe(sign_in(client, staff(None if role == "superuser" else role)))
    person = UserFactory(is_staff=True)

    probe.fields(
        reverse("admin:accounts_user_add"),
        {"email": "new.person@un.example.org", "given_name": "Omar", "family_name": "Haddad"},
        bad,
    )
    probe.fields(reverse("admin:accounts_user_change", args=[person.pk]), user_form(person), bad)
    for odd in ODD:
        probe.post(
            reverse("admin:accounts_user_change", args=[person.pk]),
            user_form(person, groups=[odd]),
            what=f"groups={odd!r}",
        )

    assert not probe.failures, "\n".join(probe.failures)


# Every admin list: its filters, search, order, pages and actions ----------------------------


@pytest.fixture
def everything():
    """A row in every list, as in use."""
    application, _focal_point = submitted_application()
    reviewer = staff(REVIEWERS)
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.add_staff_note(application=application, by=reviewer, text="Call the embassy.")
    review_services.import_ecosoc_list(
        text="name,country,status\nMigrant Voices Network,Kenya,Special\n"
    )
    return application


REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


MODELS = [model for model, _model_admin in REGISTERED]
MODEL_IDS = [model._meta.label for model in MODELS]


def changelist_of(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def probe_list(probe, model, user, values):
    """The list's filters, search, order and pages, its actions and its rows' pages."""
    model_admin = admin.site._registry[model]
    url = changelist_of(model)
    keys = [*sorted(own_parameters(model_admin, user)), "q", "o", "p", "e", "_facets", "all"]
    for value in values:
        for key in keys:
            probe.get(url, [(key, value)], what=key)
    actions = model_admin.get_actions(probe.client.get(url).wsgi_request)
    for value in values:
        for action in actions:
            probe.post(
                url,
                {"action": action, "_selected_action": value, "index": "0"},
                what=f"{action} of {value!r:.20}",
            )
        probe.post(url, {"action": value, "_selected_action": "1", "index": value}, what="action")
        target = quote(value) if isinstance(value, str) else "%FF"
        for page in ["change", "history", "delete"]:
            probe.get(f"{url}{target}/{page}/", what=f"object id, {page}")


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_admin_lists_filters_search_and_actions(client, everything, kind, model):
    user = staff(None)
    probe = Probe(sign_in(client, user))

    probe_list(probe, model, user, [BAD[kind]])
    probe.get(changelist_of(model), [(BAD[kind], "1")], what="the name of a parameter")

    assert not probe.failures, "\n".join(probe.failures)


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_admin_list_with_values_that_are_not_numbers_or_past_any(client, everything, model):
    user = staff(None)
    probe = Probe(sign_in(client, user))
    date_hierarchy = admin.site._registry[model].date_hierarchy

    probe_list(probe, model, user, ODD)
    if date_hierarchy:
        for dates in [
            {"year": "9999"},
            {"year": "9999", "month": "12"},
            {"year": "9999", "month": "12", "day": "31"},
            {"year": "2030", "month": "2", "day": "30"},
            {"year": "0"},
            {"year": "²"},
        ]:
            probe.get(
                changelist_of(model),
                {f"{date_hierarchy}__{part}": value for part, value in dates.items()},
                what=str(dates),
            )

    assert not probe.failures, "\n".join(probe.failures)


def test_a_selection_that_is_not_a_row_is_refused_with_a_message(client, everything):
    sign_in(client, staff(REVIEWERS))
    url = reverse("admin:accreditation_application_changelist")

    response = client.post(
        url,
        {"action": "start_review", "_selected_action": ["abc", str(everything.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert "The selection is not valid" in response.content.decode()
    assert Application.objects.get(pk=everything.pk).status == "under_review"  # as it was
    assert StatusChange.objects.filter(application=everything).count() == 2


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"status__exact": "\x00"},
        {"call__id__exact": "\x00"},
        {"country": "a\x00"},
        {"\x00": "1"},
    ],
)
def test_a_nul_character_in_the_address_is_a_400_that_says_so(client, everything, params):
    sign_in(client, staff(REVIEWERS))

    response = client.get(reverse("admin:accreditation_application_changelist"), params)

    assert response.status_code == 400
    assert "The address contains characters that are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/calls/%00/",
        reverse("admin:accreditation_statuschange_changelist") + "?role__exact=%00",
        reverse("admin:index") + "%00/",
    ],
)
def test_a_nul_character_anywhere_in_an_address_is_a_400(client, url):
    sign_in(client, staff(None))

    response = client.get(url)

    assert response.status_code == 400
    assert "The address contains characters that are not allowed." in response.content.decode()


def test_a_filter_value_that_is_not_a_number_shows_the_whole_list_with_a_message(
    client, everything
):
    CallFactory()  # with a single call, Django shows no filter by call, nor applies it
    sign_in(client, staff(REVIEWERS))
    url = reverse("admin:accreditation_application_changelist")

    response = client.get(url, {"call__id__exact": "abc"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(f"{url}?e=1", 302)]
    assert "not valid; the whole list is shown" in response.content.decode()


def test_a_search_too_long_to_run_says_so_once_and_finds_nothing(client, everything):
    sign_in(client, staff(REVIEWERS))
    url = reverse("admin:accreditation_application_changelist")

    response = client.get(url, {"q": "x" * 100_000, "_facets": "True"})
    many_words = client.get(url, {"q": "a " * 499})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert response.content.decode().count("The search is too long") == 1
    assert many_words.status_code == 200
