"""Every URL the portal serves × every role: what each person gets, and what the page shows.

The columns are the roles of ``tests/people.py``: anonymous, the focal points of two
unrelated organizations A and B, a Member State delegate, a Reviewer, a member of the PGA
office, an Administrator and a superuser. The rows are every URL pattern of the resolver,
the admin's ModelAdmin pages and custom views included; ``test_every_url_is_in_the_table``
fails when a pattern has no row, so a new view adds its row here.

The expected answers come from the design (README, "Reviewing" and "Applying", and the
roles' permissions in ``reviews/migrations/0001_roles.py``), not from what the code answers
today.

A 200 must also show the row's text (a heading, the object's name), so that a 200 on the
wrong page fails; a redirect must go where the row says; a refusal must be the portal's
403 or 404 page. POST rows send the step itself and check that it changed something only
for the people allowed to take it.
"""

import html
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import SecurityEvent
from accounts.permissions import has_confirmed_second_factor
from accounts.roles import REVIEWERS
from accreditation import services
from accreditation.models import (
    Application,
    Document,
    EcosocOrganization,
    FocalPoint,
    Invitation,
    MembershipEvent,
    StaffNote,
    Status,
    StatusChange,
)
from accreditation.uploads import check_upload
from registration import services as registration_services
from registration.models import EcosocConfirmation, RegistrationEvent, Representative
from registration.photos import check_photo
from reviews import services as review_services
from reviews.models import (
    InformationRequest,
    ListEntry,
    ListEvent,
    MemberStateList,
    Objection,
)
from tests import people
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MeetingFactory,
    UserFactory,
    complete_application,
    jpeg_bytes,
    open_registration,
    png_bytes,
)
from tests.helpers import content_of
from tests.people import (
    ADMINISTRATOR,
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    DELEGATE,
    PGA_OFFICE_MEMBER,
    REVIEWER,
    ROLES,
    STAFF,
    SUPERUSER,
)

pytestmark = pytest.mark.django_db

A, B, D = APPLICANT_A, APPLICANT_B, DELEGATE
R, P, AD, SU = REVIEWER, PGA_OFFICE_MEMBER, ADMINISTRATOR, SUPERUSER

CALL = "Summit on Migration 2030"
DRAFT_CALL = "Regional Review of Migration 2031"
OPEN_CALL = "Forum on Refugees 2032"
UNPUBLISHED_CALL = "Consultation not yet published 2033"
MEETING = "Plenary on migrant rights"
COLLEAGUE = "colleague.a@example.org"
INVITEE = "invitee.a@example.org"
INTERNAL_REASON = "Internal reason: check the statutes with the legal office"
STAFF_NOTE = "Staff note: the head of the organization telephoned"
ECOSOC_NAME = "Gamma Coalition in Consultative Status"
MAIL_SUBJECT = "Your sign-in link"
MAIL_BODY = "Open http://testserver/s/a-sign-in-link-is-a-credential/ to sign in"
OBJECTION_REASON = "Objection: not independent of a government"
REGISTRATION_CALL = "Migration Review Forum 2034"
REGISTRATION_MEETING = "Round table on labour migration"
REPRESENTATIVE = "Wanjiru Kamau Representative"
ECOSOC_CSV = (
    "Organization Name,Country/Area,Consultative status\n"
    "Delta Network of Migrant Workers,Mexico,Roster\n"
)


class World:
    """What the rows open, made the first time a row asks for it (once per test)."""

    def __init__(self):
        self.cast = people.cast()

    @cached_property
    def call(self):
        call = CallFactory(title=CALL, slug="summit-2030", contact_email="summit@un.example.org")
        MeetingFactory(call=call, title=MEETING)
        return call

    @cached_property
    def meeting(self):
        return self.call.meetings.get()

    @cached_property
    def venue(self):
        return self.call.venue

    @cached_property
    def draft_call(self):
        return CallFactory(title=DRAFT_CALL, slug="regional-review-2031")

    @cached_property
    def open_call(self):
        return CallFactory(title=OPEN_CALL, slug="forum-2032")

    @cached_property
    def unpublished_call(self):
        return CallFactory(title=UNPUBLISHED_CALL, slug="consultation-2033", is_published=False)

    @cached_property
    def submitted(self):
        """A's application, submitted, then put under review with an internal reason."""
        by = self.cast[A]
        application = complete_application(
            ApplicationFactory(organization=people.organization_a(), call=self.call), by=by
        )
        application = services.submit_application(application=application, by=by).application
        StatusChange.objects.create(
            application=application,
            actor=self.cast[R],
            role=REVIEWERS,
            from_status=Status.SUBMITTED,
            to_status=Status.UNDER_REVIEW,
            note=INTERNAL_REASON,
        )
        Application.objects.filter(pk=application.pk).update(status=Status.UNDER_REVIEW)
        application.refresh_from_db()
        return application

    @cached_property
    def submitted_document(self):
        return self.submitted.documents.order_by("kind").first()

    @cached_property
    def status_change(self):
        return self.submitted.history.get(to_status=Status.UNDER_REVIEW)

    @cached_property
    def document_event(self):
        return self.submitted.document_events.order_by("pk").first()

    @cached_property
    def staff_note(self):
        return StaffNote.objects.create(
            application=self.submitted, author=self.cast[R], role=REVIEWERS, text=STAFF_NOTE
        )

    @cached_property
    def draft(self):
        """A's draft, with one image uploaded: the organization's own until submitted."""
        application = ApplicationFactory(organization=people.organization_a(), call=self.draft_call)
        services.add_document(
            application=application,
            kind=Document.Kind.LEGAL_STATUS,
            checked=check_upload(SimpleUploadedFile("statutes.png", png_bytes())),
            by=self.cast[A],
        )
        return application

    @cached_property
    def draft_document(self):
        return self.draft.documents.get()

    @cached_property
    def colleague(self):
        """A second focal point of A."""
        user = UserFactory(email=COLLEAGUE)
        FocalPoint.objects.create(user=user, organization=people.organization_a())
        return user

    @cached_property
    def invitation(self):
        return services.invite_focal_point(
            organization=people.organization_a(), email=INVITEE, by=self.cast[A]
        )

    @cached_property
    def membership_event(self):
        self.invitation  # noqa: B018 -- inviting is what records the event
        return MembershipEvent.objects.get(email=INVITEE, kind=MembershipEvent.Kind.INVITED)

    @cached_property
    def security_event(self):
        return SecurityEvent.objects.create(
            user=self.colleague, kind=SecurityEvent.Kind.SIGNED_IN, note="Signed in"
        )

    @cached_property
    def registration_call(self):
        """A call A is accredited to, whose registration of representatives is open."""
        call = open_registration(CallFactory(title=REGISTRATION_CALL, slug="forum-2034"))
        MeetingFactory(call=call, title=REGISTRATION_MEETING)
        application = ApplicationFactory(organization=people.organization_a(), call=call)
        Application.objects.filter(pk=application.pk).update(
            status=Status.ACCREDITED, reference="SA-2034-00001", submitted_at=timezone.now()
        )
        return call

    @cached_property
    def representative(self):
        """A's representative, registered through the focal points' page's service."""
        return registration_services.register_representative(
            organization=people.organization_a(),
            call=self.registration_call,
            by=self.cast[A],
            fields={
                "full_name": REPRESENTATIVE,
                "function": "Lawyer",
                "gender": "female",
                "nationality": "KE",
                "email": "wanjiru@alpha.example",
                "language": "en",
            },
            meetings=self.registration_call.meetings.all(),
            photo=check_photo(SimpleUploadedFile("face.jpg", jpeg_bytes((300, 400)))),
        )

    @cached_property
    def registration_event(self):
        return RegistrationEvent.objects.get(person=self.representative.full_name)

    @cached_property
    def ecosoc_b(self):
        """B, in ECOSOC status, asks for it to be confirmed for the registration call."""
        organization = people.organization_b()
        organization.in_ecosoc_status = True
        organization.save(update_fields=["in_ecosoc_status"])
        return registration_services.request_ecosoc_confirmation(
            organization=organization, call=self.registration_call, by=self.cast[B]
        )

    @cached_property
    def organization_a(self):
        return people.organization_a()

    @cached_property
    def group(self):
        return Group.objects.get(name=REVIEWERS)

    @cached_property
    def outgoing_mail(self):
        """A message kept after failing, with a body that is nobody's to read in the admin."""
        return apps.get_model("accounts", "OutgoingMail").objects.create(
            template="accounts/email/sign_in",
            recipients=COLLEAGUE,
            subject=MAIL_SUBJECT,
            body_text=MAIL_BODY,
            body_html=f"<p>{MAIL_BODY}</p>",
            language="en",
            status="failed",
            attempts=5,
            last_error="Connection refused",
        )

    @cached_property
    def recommended_b(self):
        """B's application to the call, recommended: what the office puts on the list."""
        application = complete_application(
            ApplicationFactory(organization=people.organization_b(), call=self.call),
            by=self.cast[B],
        )
        Application.objects.filter(pk=application.pk).update(
            status=Status.RECOMMENDED, reference="SA-2030-09999", submitted_at=timezone.now()
        )
        application.refresh_from_db()
        return application

    @cached_property
    def member_state_list(self):
        """The call's list with B on it, circulated: objections open for a week."""
        office = self.cast[P]
        draft = review_services.draft_list(call=self.call, by=office)
        review_services.add_to_list(
            member_state_list=draft, application=self.recommended_b, by=office
        )
        return review_services.circulate(
            member_state_list=draft,
            by=office,
            objection_deadline=timezone.now() + timedelta(days=7),
        )

    @cached_property
    def list_entry(self):
        return self.member_state_list.entries.get()

    @cached_property
    def objection(self):
        """France's objection to B's entry, with a reason only France and the office read."""
        return review_services.lodge_objection(
            entry=self.list_entry, by=self.cast[D], reason=OBJECTION_REASON
        )

    @cached_property
    def published_call(self):
        self.call.is_published = True
        self.call.save()
        return self.call

    @cached_property
    def ecosoc(self):
        return EcosocOrganization.objects.create(
            name=ECOSOC_NAME, country="Kenya", status="Special"
        )


# Expected answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect (302) to a URL name, a path, or a path made from the world.

    ``with_next``: the address asked for rides along as ``?next=`` (sign-in pages).
    """

    to: str | Callable[[World], str]
    with_next: bool | str = False

    def path(self, world) -> str:
        if callable(self.to):
            return self.to(world)
        return self.to if self.to.startswith("/") else reverse(self.to)

    def __repr__(self):
        return f"302→{self.to if isinstance(self.to, str) else 'object'}"


SIGN_IN = Redirect("accounts:sign_in", with_next=True)
# The admin's own sign-in address, which sends signed-out people to sign in by link and
# refuses (403) signed-in people who are not staff.
ADMIN_LOGIN = Redirect("admin:login", with_next=True)
TO_DASHBOARD = Redirect("accreditation:dashboard")
# People without an organization are asked for its profile first.
TO_PROFILE = Redirect("accreditation:organization")
TO_ADMIN = Redirect("admin:index")
# Django's admin answers an object it does not show (a draft's) with its index.
NOT_SHOWN_IN_ADMIN = TO_ADMIN

REFUSAL_TEXT = {403: "You cannot open this page", 404: "Page not found"}


def everyone(answer) -> dict:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer, **by_role) -> dict:
    """Signed-out people are sent to sign in; everyone signed in gets ``answer``."""
    return everyone(answer) | {ANONYMOUS: SIGN_IN} | _roles(by_role)


def own_organization(answer_to_a, *, others=404, **by_role) -> dict:
    """Pages of A's application or organization: A's focal point only; everyone else signed
    in gets a 404 (staff read applications in the admin)."""
    return signed_in(others) | {A: answer_to_a} | _roles(by_role)


def staff_only(ok: set, *, others=403, **by_role) -> dict:
    """An admin page: signed out and not staff are sent to the admin's sign-in (which refuses
    the latter); staff in ``ok`` get 200, other staff ``others``."""
    table = everyone(ADMIN_LOGIN) | dict.fromkeys(STAFF, others) | dict.fromkeys(ok, 200)
    return table | _roles(by_role)


def _roles(by_role: dict) -> dict:
    names = {"A": A, "B": B, "D": D, "R": R, "P": P, "AD": AD, "SU": SU, "anonymous": ANONYMOUS}
    return {names[key]: value for key, value in by_role.items()}


def office_only(answer=200, **by_role) -> dict:
    """The PGA office's pages: the office and superusers; anyone else signed in is refused."""
    return signed_in(403) | {P: answer, SU: answer} | _roles(by_role)


def delegates_only(answer=200, **by_role) -> dict:
    """Member State delegates' pages: for anyone else signed in they do not exist."""
    return signed_in(404) | {D: answer} | _roles(by_role)


ALL_STAFF = set(STAFF)
# Read applications, their organizations and the status history.
READERS = {R, P, AD, SU}


# Rows ------------------------------------------------------------------------------


# A text, several, or a function of the world and the role giving them (None: nothing).
Text = str | list | Callable[[World, str], str | list | None] | None


@dataclass
class Row:
    key: str  # the URL's name, or its route for a pattern without one
    url: Callable[[World], str]
    expected: dict
    shows: Text = None  # on every 200
    hides: Text = None  # on every 200: what this role must not see there
    label: str = ""
    # What the page is about, made before anyone asks for it (when the address needs none).
    given: Callable[[World], Any] | None = None
    method: str = "get"
    data: Callable[[World], dict] | None = None
    # A POST's effect: ``effect(world)`` changes for the roles in ``changed_by`` only.
    effect: Callable[[World], Any] | None = None
    changed_by: frozenset = field(default_factory=frozenset)
    reset: Callable[[World], None] | None = None

    @property
    def id(self) -> str:
        suffix = f"[{self.label}]" if self.label else ""
        return f"{self.method.upper()} {self.key}{suffix}"


def url(name: str, *args, query: str = "", **kwargs) -> Callable[[World], str]:
    """The address of a URL name, its arguments taken from the world when callable."""

    def build(world):
        def value(item):
            return item(world) if callable(item) else item

        return (
            reverse(
                name,
                args=[value(item) for item in args],
                kwargs={key: value(item) for key, item in kwargs.items()},
            )
            + query
        )

    return build


def path(address: str) -> Callable[[World], str]:
    return lambda world: address


def texts(value: Text, world, role) -> list[str]:
    value = value(world, role) if callable(value) else value
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def pk(attribute: str) -> Callable[[World], int]:
    return lambda world: getattr(world, attribute).pk


def change_page(name: str, attribute: str) -> Callable[[World], str]:
    return lambda world: reverse(f"admin:{name}_change", args=[getattr(world, attribute).pk])


def model_admin_rows(
    name: str,
    attribute: str,
    *,
    listed: Text,
    view: set,
    add: set,
    change: set,
    delete: set,
    shown: Text = None,
    hides: Text = None,
    given: Callable[[World], Any] | None = None,
) -> list[Row]:
    """The six pages Django's admin makes for a registered model, for one object.

    ``view``: who gets the list (and the object's page, read-only, and its history);
    ``change``: who opens the object's page (view or change permission); ``add`` and
    ``delete``: who gets those forms. Other staff get 403. ``shown``: what the object's
    page shows besides its name; ``hides``: what the list, the object's page and its
    history must not show; ``given``: what to make first besides the object.
    """
    app_label, model_name = name.split("_", 1)
    adding = lambda world, role: f"Add {apps.get_model(app_label, model_name)._meta.verbose_name}"  # noqa: E731
    named = lambda world, role: [str(getattr(world, attribute)), *texts(shown, world, role)]  # noqa: E731
    opts = f"admin:{name}"
    rows = [
        Row(f"{opts}_changelist", url(f"{opts}_changelist"), staff_only(view), listed,
            hides=hides),
        Row(f"{opts}_add", url(f"{opts}_add"), staff_only(add), adding),
        Row(f"{opts}_change", url(f"{opts}_change", pk(attribute)), staff_only(change), named,
            hides=hides),
        Row(f"{opts}_history", url(f"{opts}_history", pk(attribute)), staff_only(change),
            lambda world, role: f"Change history: {getattr(world, attribute)}", hides=hides),
        Row(f"{opts}_delete", url(f"{opts}_delete", pk(attribute)), staff_only(delete),
            lambda world, role: str(getattr(world, attribute))),
        # The object's bare address only forwards to its page, for any staff.
        Row(f"admin/{name.replace('_', '/', 1)}/<path:object_id>/",
            lambda world: f"{reverse(f'{opts}_changelist')}{getattr(world, attribute).pk}/",
            staff_only(set()) | dict.fromkeys(STAFF, Redirect(change_page(name, attribute)))),
    ]  # fmt: skip
    for row in rows:
        row.given = lambda world: (getattr(world, attribute), given and given(world))
    return rows


# Back to the submitted application's page in the admin.
TO_ITS_ADMIN_PAGE = Redirect(change_page("accreditation_application", "submitted"))


def application_status(world):
    return Application.objects.get(pk=world.submitted.pk).status


def back_under_review(world):
    Application.objects.filter(pk=world.submitted.pk).update(status=Status.UNDER_REVIEW)


def zip_names(world, role):
    return world.submitted.reference


def bulk_recommend(world, *, confirm):
    data = {
        "action": "recommend",
        "index": "0",
        "select_across": "0",
        "_selected_action": [str(world.submitted.pk)],
    }
    return data | ({"confirm": "yes"} if confirm else {})


TABLE: list[Row] = [
    # Public pages -------------------------------------------------------------------
    Row("events:call_list", url("events:call_list"), everyone(200), CALL,
        hides=UNPUBLISHED_CALL, given=lambda w: (w.call, w.unpublished_call)),
    Row("events:call_detail", url("events:call_detail", slug=lambda w: w.call.slug),
        everyone(200), CALL),
    # Staff check a call before it is published; nobody else sees it.
    Row("events:call_detail", url("events:call_detail", slug=lambda w: w.unpublished_call.slug),
        everyone(404) | dict.fromkeys(STAFF, 200), UNPUBLISHED_CALL, label="unpublished"),
    Row("events:help", url("events:help"), everyone(200), "How the portal works"),
    # Signing in ---------------------------------------------------------------------
    # Signing in (again, or as someone else) is open to everyone.
    Row("accounts:sign_in", url("accounts:sign_in"), everyone(200), "Sign in"),
    # Without a link asked for in this session there is nothing to check for.
    Row("accounts:sign_in_sent", url("accounts:sign_in_sent"),
        everyone(Redirect("accounts:sign_in"))),
    Row("accounts:link", url("accounts:link", token="not-a-real-token"), everyone(400),
        "This link does not work"),
    Row("accounts:account", url("accounts:account"), signed_in(200),
        lambda w, role: people.EMAILS.get(role)),
    # Applicants may turn the second factor on; staff and delegates have theirs, and have
    # passed it in this session, so they are sent on (and on again from there, home).
    Row("accounts:second_factor_setup", url("accounts:second_factor_setup"),
        signed_in(Redirect("accounts:second_factor_verify"), A=200, B=200),
        "Set up your second factor"),
    Row("accounts:second_factor_verify", url("accounts:second_factor_verify"),
        signed_in(TO_DASHBOARD) | dict.fromkeys(STAFF, TO_ADMIN)),
    # POST only: a GET is refused whoever asks.
    Row("accounts:sign_out", url("accounts:sign_out"), everyone(405)),
    Row("accounts:sign_out", url("accounts:sign_out"), everyone(Redirect("events:call_list")),
        method="post"),
    Row("accounts:stay_signed_in", url("accounts:stay_signed_in"), everyone(405)),
    # The idle warning's button: a session that has ended is not revived.
    Row("accounts:stay_signed_in", url("accounts:stay_signed_in"),
        everyone(200) | {ANONYMOUS: 403}, "idle_seconds_left", method="post"),
    Row("set_language", url("set_language"), everyone(405)),
    Row("set_language", url("set_language"), everyone(Redirect("/help/")), method="post",
        data=lambda w: {"language": "fr", "next": "/help/"}),
    # The applicant's side ------------------------------------------------------------
    # Delegates have a home of their own; staff, who apply for nobody, see an empty one.
    Row("accreditation:dashboard", url("accreditation:dashboard"),
        signed_in(200, D=Redirect("reviews:delegate_home")),
        lambda w, role: {A: w.submitted.reference}.get(role, "Your applications"),
        hides=lambda w, role: None if role == A else w.submitted.reference),
    # Delegates are never asked for an organization's profile.
    Row("accreditation:organization", url("accreditation:organization"),
        signed_in(200, D=TO_DASHBOARD),
        lambda w, role: {A: people.ORGANIZATION_A, B: people.ORGANIZATION_B}
        .get(role, "Organization's profile"),
        hides=lambda w, role: None if role == A else COLLEAGUE, given=lambda w: w.colleague),
    Row("accreditation:invite", url("accreditation:invite"), signed_in(405)),
    # A focal point invites to their own organization only: B's invitation is B's.
    Row("accreditation:invite", url("accreditation:invite"),
        signed_in(TO_PROFILE, D=TO_DASHBOARD), method="post",
        data=lambda w: {"email": "second.invitee@example.org"},
        effect=lambda w: sorted(people.organization_a().invitations.values_list("email", flat=True)),
        changed_by=frozenset({A})),
    Row("accreditation:export", url("accreditation:export"),
        signed_in(TO_PROFILE, A=200, B=200, D=TO_DASHBOARD),
        lambda w, role: {A: w.submitted.reference, B: people.ORGANIZATION_B}.get(role),
        hides=lambda w, role: people.ORGANIZATION_A if role == B else None),
    Row("accreditation:cancel_invitation",
        url("accreditation:cancel_invitation", pk=pk("invitation")), signed_in(405)),
    # Only a focal point of A cancels A's invitation; others change nothing.
    Row("accreditation:cancel_invitation",
        url("accreditation:cancel_invitation", pk=pk("invitation")),
        signed_in(TO_PROFILE, A=TO_PROFILE, B=404, D=TO_DASHBOARD), method="post",
        effect=lambda w: Invitation.objects.filter(pk=w.invitation.pk).exists(),
        changed_by=frozenset({A})),
    # An invitation is accepted or declined by the person it was sent to, and nobody else.
    Row("accreditation:accept_invitation",
        url("accreditation:accept_invitation", pk=pk("invitation")), signed_in(405)),
    Row("accreditation:accept_invitation",
        url("accreditation:accept_invitation", pk=pk("invitation")), signed_in(404),
        method="post",
        effect=lambda w: Invitation.objects.get(pk=w.invitation.pk).accepted_at),
    Row("accreditation:decline_invitation",
        url("accreditation:decline_invitation", pk=pk("invitation")), signed_in(405)),
    Row("accreditation:decline_invitation",
        url("accreditation:decline_invitation", pk=pk("invitation")), signed_in(404),
        method="post", effect=lambda w: Invitation.objects.filter(pk=w.invitation.pk).exists()),
    Row("accreditation:remove_focal_point",
        url("accreditation:remove_focal_point", user_id=pk("colleague")),
        own_organization(200, D=TO_DASHBOARD, R=TO_PROFILE, P=TO_PROFILE, AD=TO_PROFILE,
                         SU=TO_PROFILE),
        COLLEAGUE),
    Row("accreditation:remove_focal_point",
        url("accreditation:remove_focal_point", user_id=pk("colleague")),
        own_organization(TO_PROFILE, D=TO_DASHBOARD, R=TO_PROFILE, P=TO_PROFILE,
                         AD=TO_PROFILE, SU=TO_PROFILE),
        method="post", effect=lambda w: FocalPoint.objects.filter(user=w.colleague).exists(),
        changed_by=frozenset({A})),
    # Applying: A and B each apply for their own organization; delegates apply for none,
    # staff have no organization to apply for.
    Row("accreditation:start", url("accreditation:start", slug=lambda w: w.open_call.slug),
        signed_in(TO_PROFILE, A=200, B=200, D=TO_DASHBOARD), OPEN_CALL),
    Row("accreditation:start", url("accreditation:start", slug=lambda w: w.unpublished_call.slug),
        signed_in(404), label="unpublished"),
    Row("accreditation:application", url("accreditation:application", pk=pk("draft")),
        own_organization(200), DRAFT_CALL, label="draft"),
    Row("accreditation:application", url("accreditation:application", pk=pk("submitted")),
        own_organization(200), CALL, hides=[INTERNAL_REASON, STAFF_NOTE],
        given=lambda w: w.staff_note, label="submitted"),
    Row("accreditation:application", url("accreditation:application", pk=pk("draft")),
        own_organization(Redirect(lambda w: w.draft.get_absolute_url())), method="post",
        data=lambda w: {"reason": "Changed by whoever could", "acknowledged": ""},
        effect=lambda w: Application.objects.get(pk=w.draft.pk).reason,
        changed_by=frozenset({A}), label="draft"),
    Row("accreditation:submit", url("accreditation:submit", pk=pk("draft")),
        own_organization(200), "Review and submit"),
    Row("accreditation:submitted", url("accreditation:submitted", pk=pk("submitted")),
        own_organization(200), lambda w, role: w.submitted.reference),
    Row("accreditation:withdraw", url("accreditation:withdraw", pk=pk("submitted")),
        own_organization(200), lambda w, role: w.submitted.reference),
    Row("accreditation:withdraw", url("accreditation:withdraw", pk=pk("submitted")),
        own_organization(TO_DASHBOARD), method="post", data=lambda w: {"note": ""},
        effect=application_status, changed_by=frozenset({A})),
    Row("accreditation:delete_draft", url("accreditation:delete_draft", pk=pk("draft")),
        own_organization(200), "Delete the draft"),
    Row("accreditation:delete_draft", url("accreditation:delete_draft", pk=pk("draft")),
        own_organization(TO_DASHBOARD), method="post",
        effect=lambda w: Application.objects.filter(pk=w.draft.pk).exists(),
        changed_by=frozenset({A})),
    Row("accreditation:remove_document",
        url("accreditation:remove_document", pk=pk("draft"),
            public_id=lambda w: w.draft_document.public_id),
        signed_in(405)),
    Row("accreditation:remove_document",
        url("accreditation:remove_document", pk=pk("draft"),
            public_id=lambda w: w.draft_document.public_id),
        own_organization(Redirect(lambda w: w.draft.get_absolute_url())), method="post",
        effect=lambda w: w.draft.documents.current().count(), changed_by=frozenset({A})),
    # Documents are private: the organization's focal points, and once submitted the
    # staff who read documents (Reviewers, PGA office); not Administrators.
    Row("accreditation:document",
        url("accreditation:document", public_id=lambda w: w.submitted_document.public_id),
        own_organization(200, R=200, P=200, SU=200), "%PDF", label="submitted"),
    # A draft's documents are the organization's own.
    Row("accreditation:document",
        url("accreditation:document", public_id=lambda w: w.draft_document.public_id),
        own_organization(200), "\x89PNG", label="draft"),
    Row("accreditation:delete_account", url("accreditation:delete_account"),
        # Staff and delegates are named on the record for what they did: an administrator
        # closes their accounts.
        signed_in(200) | dict.fromkeys([*STAFF, D], 403),
        "Delete your account"),
    # Representatives: A's focal point registers, replaces and removes A's own; nobody else
    # finds them. Their photos: A's focal points, and the staff who see participants.
    Row("registration:home", url("registration:home"), own_organization(200, B=200),
        lambda w, role: {A: REGISTRATION_CALL}.get(role, "Representatives"),
        hides=lambda w, role: None if role == A else REGISTRATION_CALL,
        given=lambda w: w.registration_call),
    Row("registration:call", url("registration:call", slug=lambda w: w.registration_call.slug),
        own_organization(200), REPRESENTATIVE, given=lambda w: w.representative),
    Row("registration:add", url("registration:add", slug=lambda w: w.registration_call.slug),
        own_organization(200, B=Redirect(lambda w: reverse(
            "registration:call", args=[w.registration_call.slug]))),
        "Register a representative"),
    Row("registration:add", url("registration:add", slug=lambda w: w.registration_call.slug),
        own_organization(Redirect(lambda w: reverse(
            "registration:call", args=[w.registration_call.slug])),
            B=Redirect(lambda w: reverse("registration:call", args=[w.registration_call.slug]))),
        method="post",
        data=lambda w: {
            "full_name": "Second Person", "function": "Paralegal", "gender": "male",
            "nationality": "UG", "email": "second@alpha.example", "language": "en",
            "meetings": [w.registration_call.meetings.get().pk],
            "photo": SimpleUploadedFile("face.jpg", jpeg_bytes((300, 400))),
        },
        effect=lambda w: Representative.objects.count(), changed_by=frozenset({A}),
        reset=lambda w: Representative.objects.filter(full_name="Second Person").delete()),
    Row("registration:ecosoc", url("registration:ecosoc", slug=lambda w: w.registration_call.slug),
        signed_in(405)),
    # B, in ECOSOC status, asks; A, accredited, is told it needs not; others have no page.
    Row("registration:ecosoc", url("registration:ecosoc", slug=lambda w: w.registration_call.slug),
        own_organization(Redirect(lambda w: reverse(
            "registration:call", args=[w.registration_call.slug])),
            B=Redirect(lambda w: reverse("registration:call", args=[w.registration_call.slug]))),
        method="post",
        given=lambda w: (people.organization_b().__class__.objects.filter(
            pk=people.organization_b().pk).update(in_ecosoc_status=True), w.registration_call),
        effect=lambda w: EcosocConfirmation.objects.count(), changed_by=frozenset({B})),
    Row("registration:edit", url("registration:edit", public_id=lambda w: w.representative.public_id),
        own_organization(200), f"Replace or correct {REPRESENTATIVE}"),
    Row("registration:edit", url("registration:edit", public_id=lambda w: w.representative.public_id),
        own_organization(Redirect(lambda w: reverse(
            "registration:call", args=[w.registration_call.slug]))),
        method="post",
        data=lambda w: {
            "full_name": REPRESENTATIVE, "function": "Head of the legal clinic",
            "gender": "female", "nationality": "KE", "email": "wanjiru@alpha.example",
            "language": "en", "meetings": [w.registration_call.meetings.get().pk],
        },
        effect=lambda w: Representative.objects.get(pk=w.representative.pk).function,
        changed_by=frozenset({A})),
    Row("registration:remove",
        url("registration:remove", public_id=lambda w: w.representative.public_id),
        own_organization(200), f"Remove {REPRESENTATIVE}"),
    Row("registration:remove",
        url("registration:remove", public_id=lambda w: w.representative.public_id),
        own_organization(Redirect(lambda w: reverse(
            "registration:call", args=[w.registration_call.slug]))),
        method="post",
        effect=lambda w: Representative.objects.filter(pk=w.representative.pk).exists(),
        changed_by=frozenset({A})),
    Row("registration:photo",
        url("registration:photo", public_id=lambda w: w.representative.public_id),
        own_organization(200, P=200, AD=200, SU=200), "JFIF"),
    Row("registration:thumbnail",
        url("registration:thumbnail", public_id=lambda w: w.representative.public_id),
        own_organization(200, P=200, AD=200, SU=200), "JFIF"),
    # The admin's sign-in: the password form is never offered -----------------------
    Row("admin_login", url("admin_login"),
        everyone(TO_ADMIN)
        | {ANONYMOUS: Redirect("accounts:sign_in", with_next="/admin/"), A: 403, B: 403, D: 403}),
    # The admin site ---------------------------------------------------------------
    Row("admin:index", url("admin:index"), staff_only(ALL_STAFF),
        "Calls, meetings and applications"),
    # The admin's own "Log out" button posts here; a GET is refused.
    Row("admin:logout", url("admin:logout"), everyone(TO_ADMIN) | dict.fromkeys(STAFF, 405)),
    # Nobody has a password (sign-in is by link): the admin's password pages are not served.
    Row("admin:password_change", url("admin:password_change"), staff_only(set(), others=404)),
    Row("admin:password_change_done", url("admin:password_change_done"),
        staff_only(set(), others=404)),
    # Without a model and field to look up, the pickers' search answers nothing.
    Row("admin:autocomplete", url("admin:autocomplete"), staff_only(set())),
    # The meeting form's call picker: calls, which every staff role reads.
    Row("admin:autocomplete",
        url("admin:autocomplete",
            query="?app_label=events&model_name=meeting&field_name=call&term=Summit"),
        staff_only(ALL_STAFF), lambda w, role: w.call.title, label="calls"),
    # The organization form's focal point picker: people, which only Administrators read.
    Row("admin:autocomplete",
        url("admin:autocomplete",
            query="?app_label=accreditation&model_name=focalpoint&field_name=user&term=colleague"),
        staff_only({AD, SU}), lambda w, role: w.colleague.email, label="people"),
    Row("admin:jsi18n", url("admin:jsi18n"), staff_only(ALL_STAFF), "django.catalog"),
    # "View on site" forwards staff to the object's public page.
    Row("admin:view_on_site",
        url("admin:view_on_site", lambda w: ContentType.objects.get_for_model(w.call).pk,
            pk("call")),
        staff_only(set()) | dict.fromkeys(STAFF, Redirect(lambda w: w.call.get_absolute_url()))),
    # A module's index: only modules with a model the role may see.
    Row("admin:app_list", url("admin:app_list", app_label="accounts"),
        staff_only({AD, SU}, others=404), "Users", label="accounts"),
    Row("admin:app_list", url("admin:app_list", app_label="auth"),
        staff_only({AD, SU}, others=404), "Groups", label="auth"),
    Row("admin:app_list", url("admin:app_list", app_label="events"),
        staff_only(ALL_STAFF), "Calls", label="events"),
    Row("admin:app_list", url("admin:app_list", app_label="accreditation"),
        staff_only(ALL_STAFF), "Applications", label="accreditation"),
    Row("admin/(?P<url>.*)$", path("/admin/no-such-page/"), staff_only(set(), others=404)),
    # People, their security record and the roles: Administrators manage people (no
    # deleting: accounts are deactivated), superusers everything.
    *model_admin_rows(
        "accounts_user", "colleague", listed=COLLEAGUE,
        view={AD, SU}, add={AD, SU}, change={AD, SU}, delete={SU}),
    Row("admin:auth_user_password_change",
        url("admin:auth_user_password_change", pk("colleague")),
        # Nobody is given a password.
        staff_only(set(), others=404)),
    # Outgoing mail: who, what subject, when and what went wrong, for Administrators; never
    # what a message says (a sign-in link in it is a credential).
    *model_admin_rows(
        "accounts_outgoingmail", "outgoing_mail", listed=MAIL_SUBJECT,
        view={AD, SU}, add=set(), change={AD, SU}, delete=set(),
        shown="Connection refused", hides="a-sign-in-link-is-a-credential"),
    *model_admin_rows(
        "accounts_securityevent", "security_event", listed=COLLEAGUE,
        view={AD, SU}, add=set(), change={AD, SU}, delete=set()),
    *model_admin_rows(
        "auth_group", "group", listed=REVIEWERS,
        view={AD, SU}, add={SU}, change={AD, SU}, delete={SU}),
    # Representatives in the admin: read-only, for the PGA office and administrators;
    # reviewers read and decide ECOSOC confirmations, and see no representative.
    *model_admin_rows(
        "registration_representative", "representative", listed=REPRESENTATIVE,
        view={P, AD, SU}, add=set(), change={P, AD, SU}, delete=set()),
    *model_admin_rows(
        "registration_registrationevent", "registration_event", listed=REPRESENTATIVE,
        view={P, AD, SU}, add=set(), change={P, AD, SU}, delete=set()),
    *model_admin_rows(
        "registration_ecosocconfirmation", "ecosoc_b", listed=people.ORGANIZATION_B,
        view=ALL_STAFF, add=set(), change=ALL_STAFF, delete=set(),
        hides=lambda w, role: REPRESENTATIVE if role == R else None,
        given=lambda w: w.representative),
    Row("admin:registration_ecosocconfirmation_decide",
        url("admin:registration_ecosocconfirmation_decide", pk("ecosoc_b"), "confirm"),
        staff_only({R, SU}), people.ORGANIZATION_B),
    Row("admin:registration_ecosocconfirmation_decide",
        url("admin:registration_ecosocconfirmation_decide", pk("ecosoc_b"), "confirm"),
        staff_only(set(), R=Redirect(change_page("registration_ecosocconfirmation", "ecosoc_b")),
                   SU=Redirect(change_page("registration_ecosocconfirmation", "ecosoc_b"))),
        method="post",
        effect=lambda w: EcosocConfirmation.objects.get(pk=w.ecosoc_b.pk).status,
        changed_by=frozenset({R, SU}),
        reset=lambda w: EcosocConfirmation.objects.filter(pk=w.ecosoc_b.pk).update(
            status=EcosocConfirmation.Status.REQUESTED)),
    # Calls, meetings and venues: every staff role reads them; Administrators keep them.
    *model_admin_rows(
        "events_venue", "venue", listed=lambda w, role: w.venue.name,
        view=ALL_STAFF, add={AD, SU}, change=ALL_STAFF, delete={AD, SU}),
    *model_admin_rows(
        "events_call", "call", listed=CALL,
        view=ALL_STAFF, add={AD, SU}, change=ALL_STAFF, delete={AD, SU}),
    *model_admin_rows(
        "events_meeting", "meeting", listed=MEETING,
        view=ALL_STAFF, add={AD, SU}, change=ALL_STAFF, delete={AD, SU}),
    # Organizations: read-only except to superusers; who speaks for them goes with them.
    *model_admin_rows(
        "accreditation_organization", "organization_a", listed=people.ORGANIZATION_A,
        view=READERS, add={SU}, change=READERS, delete={SU}),
    *model_admin_rows(
        "accreditation_membershipevent", "membership_event", listed=INVITEE,
        view=READERS, add=set(), change=READERS, delete=set()),
    # Applications: read by every staff role, changed by nobody (only by the review steps).
    # Its page: the documents, internal reasons and notes for those who read them, not for
    # Administrators.
    *model_admin_rows(
        "accreditation_application", "submitted",
        listed=lambda w, role: w.submitted.reference,
        view=READERS, add=set(), change=READERS, delete=set(),
        shown=lambda w, role: [people.ORGANIZATION_A, CALL]
        + ([] if role == AD else [INTERNAL_REASON, STAFF_NOTE,
                                  w.submitted_document.get_absolute_url()]),
        hides=lambda w, role: [INTERNAL_REASON, STAFF_NOTE,
                               w.submitted_document.get_absolute_url()] if role == AD else None,
        given=lambda w: w.staff_note),
    # A draft is the organization's own: the admin does not show it.
    Row("admin:accreditation_application_change",
        url("admin:accreditation_application_change", pk("draft")),
        staff_only(set()) | dict.fromkeys(STAFF, NOT_SHOWN_IN_ADMIN), label="draft"),
    # The record: read-only for everyone. Internal notes and reasons are for Reviewers and
    # the PGA office; the document record for Reviewers and Administrators.
    *model_admin_rows(
        "accreditation_statuschange", "status_change",
        listed=lambda w, role: w.submitted.reference,
        view=READERS, add=set(), change=READERS, delete=set(),
        shown=lambda w, role: None if role == AD else INTERNAL_REASON,
        hides=lambda w, role: INTERNAL_REASON if role == AD else None),
    *model_admin_rows(
        "accreditation_documentevent", "document_event",
        listed=lambda w, role: str(w.document_event.document),
        view={R, AD, SU}, add=set(), change={R, AD, SU}, delete=set()),
    Row("admin:accreditation_documentevent_change",
        url("admin:accreditation_documentevent_change",
            lambda w: w.draft.document_events.get().pk),
        staff_only(set(), R=NOT_SHOWN_IN_ADMIN, AD=NOT_SHOWN_IN_ADMIN, SU=NOT_SHOWN_IN_ADMIN),
        label="draft"),
    *model_admin_rows(
        "accreditation_staffnote", "staff_note", listed=STAFF_NOTE,
        view={R, P, SU}, add=set(), change={R, P, SU}, delete=set()),
    # The ECOSOC list: imported by Reviewers and Administrators, never edited.
    *model_admin_rows(
        "accreditation_ecosocorganization", "ecosoc", listed=ECOSOC_NAME,
        view={R, AD, SU}, add=set(), change={R, AD, SU}, delete=set()),
    # The screening's own pages ------------------------------------------------------
    # Review steps are taken by Reviewers, nobody else; a GET only shows the page again.
    Row("admin:accreditation_application_review",
        url("admin:accreditation_application_review", pk("submitted"), "request_information"),
        staff_only(set(), R=TO_ITS_ADMIN_PAGE, SU=TO_ITS_ADMIN_PAGE)),
    Row("admin:accreditation_application_review",
        url("admin:accreditation_application_review", pk("submitted"), "request_information"),
        staff_only(set(), R=TO_ITS_ADMIN_PAGE, SU=TO_ITS_ADMIN_PAGE),
        method="post", data=lambda w: {"message": "Please send your statutes."},
        effect=application_status, changed_by=frozenset({R, SU}), reset=back_under_review),
    # Steps that mail applicants are confirmed first: the confirmation page changes nothing.
    Row("admin:accreditation_application_review",
        url("admin:accreditation_application_review", pk("submitted"), "recommend"),
        staff_only({R, SU}),
        "Confirm: Recommend", method="post", effect=application_status, label="confirmation"),
    # The list's bulk steps: only Reviewers are offered them. The PGA office is offered
    # another (the documents' ZIP), so Django refuses the step it was not offered; for
    # Administrators, offered none, the list is shown again.
    Row("admin:accreditation_application_changelist",
        url("admin:accreditation_application_changelist"),
        staff_only({R, SU, AD}, P=Redirect("admin:accreditation_application_changelist")),
        lambda w, role: "Confirm: Recommend" if role in {R, SU} else w.submitted.reference,
        hides=lambda w, role: None if role in {R, SU} else "Confirm: Recommend",
        method="post", data=lambda w: bulk_recommend(w, confirm=False),
        effect=application_status, label="bulk step, confirmation"),
    Row("admin:accreditation_application_changelist",
        url("admin:accreditation_application_changelist"),
        staff_only(set(), AD=200) | dict.fromkeys(
            {R, P, SU}, Redirect("admin:accreditation_application_changelist")),
        lambda w, role: w.submitted.reference,
        method="post", data=lambda w: bulk_recommend(w, confirm=True),
        effect=application_status, changed_by=frozenset({R, SU}), reset=back_under_review,
        label="bulk step, confirmed"),
    # Notes: added by Reviewers and the PGA office. A GET adds nothing (refused with a 403
    # where the portal's own steps answer 405: a refusal either way).
    Row("admin:accreditation_application_note",
        url("admin:accreditation_application_note", pk("submitted")), staff_only(set())),
    Row("admin:accreditation_application_note",
        url("admin:accreditation_application_note", pk("submitted")),
        staff_only(set(), R=TO_ITS_ADMIN_PAGE, P=TO_ITS_ADMIN_PAGE, SU=TO_ITS_ADMIN_PAGE),
        method="post", data=lambda w: {"text": "A note from whoever could"},
        effect=lambda w: w.submitted.staff_notes.count(), changed_by=frozenset({R, P, SU})),
    # The ECOSOC list is imported by Reviewers and Administrators: the upload shows what
    # would change (the preview) and changes nothing yet.
    Row("admin:accreditation_application_import_ecosoc",
        url("admin:accreditation_application_import_ecosoc"), staff_only({R, AD, SU}),
        "Import the ECOSOC list"),
    Row("admin:accreditation_application_import_ecosoc",
        url("admin:accreditation_application_import_ecosoc"), staff_only({R, AD, SU}),
        "Delta Network of Migrant Workers", method="post",
        data=lambda w: {"file": SimpleUploadedFile("ecosoc.csv", ECOSOC_CSV.encode())},
        effect=lambda w: EcosocOrganization.objects.count(), label="preview"),
    # All documents of a call: for those who read documents.
    Row("admin:accreditation_application_call_documents",
        url("admin:accreditation_application_call_documents", call_id=lambda w: w.call.pk),
        staff_only({R, P, SU}), zip_names),
    # The lists for Member States: the PGA office's pages -------------------------------
    # Participant lists: the PGA office and administrators (who see every representative);
    # reviewers and delegates are refused.
    Row("reviews:office_participant_calls", url("reviews:office_participant_calls"),
        office_only(AD=200), REGISTRATION_CALL, given=lambda w: w.representative),
    Row("reviews:office_participants",
        url("reviews:office_participants", slug=lambda w: w.registration_call.slug),
        office_only(AD=200), [REGISTRATION_CALL, REPRESENTATIVE], given=lambda w: w.representative),
    Row("reviews:office_participants_export",
        url("reviews:office_participants_export", slug=lambda w: w.registration_call.slug,
            file_format="csv"),
        office_only(AD=200), [REPRESENTATIVE, "wanjiru@alpha.example"],
        given=lambda w: w.representative),
    Row("reviews:office_home", url("reviews:office_home"), office_only(),
        ["Lists for Member States", CALL], given=lambda w: w.member_state_list),
    Row("reviews:office_list", url("reviews:office_list", slug=lambda w: w.call.slug),
        office_only(), [CALL, people.ORGANIZATION_B, OBJECTION_REASON],
        given=lambda w: w.objection),
    Row("reviews:office_version", url("reviews:office_version", pk("member_state_list")),
        office_only(), ["Version 1", people.ORGANIZATION_B]),
    Row("reviews:office_compare",
        url("reviews:office_compare", pk=pk("member_state_list"), other=pk("member_state_list")),
        office_only(), "compared with version 1"),
    Row("reviews:office_export",
        url("reviews:office_export", pk=pk("member_state_list"), file_format="csv"),
        office_only(), people.ORGANIZATION_B, hides=OBJECTION_REASON,
        given=lambda w: w.objection),
    # The steps: POST only, for the office; anyone else is refused and changes nothing.
    Row("reviews:office_new_version",
        url("reviews:office_new_version", slug=lambda w: w.call.slug),
        office_only(Redirect(lambda w: reverse(
            "reviews:office_version",
            args=[MemberStateList.objects.get(call=w.call, version=2).pk]))),
        method="post", given=lambda w: w.member_state_list,
        effect=lambda w: MemberStateList.objects.filter(call=w.call).count(),
        changed_by=frozenset({P, SU}),
        reset=lambda w: (ListEvent.objects.filter(list__version=2).delete(),
                         MemberStateList.objects.filter(call=w.call, version=2).delete())),
    Row("reviews:office_add", url("reviews:office_add", pk("member_state_list")),
        office_only(Redirect(lambda w: reverse(
            "reviews:office_version", args=[w.member_state_list.pk]))),
        method="post", data=lambda w: {"application": w.recommended_b.pk},
        effect=lambda w: w.member_state_list.entries.count()),
    # A circulated version no longer changes: the office is told so by the reason's field.
    Row("reviews:office_remove", url("reviews:office_remove", pk("member_state_list")),
        office_only(400), "This version was circulated", method="post",
        data=lambda w: {"application": w.recommended_b.pk, "reason": "x"},
        effect=lambda w: w.member_state_list.entries.count()),
    Row("reviews:office_leave_off", url("reviews:office_leave_off", pk("member_state_list")),
        office_only(400), "This version was circulated", method="post",
        data=lambda w: {"application": w.recommended_b.pk, "reason": "x"},
        effect=lambda w: w.member_state_list.events.count()),
    Row("reviews:office_share", url("reviews:office_share", pk("member_state_list")),
        office_only(Redirect(lambda w: reverse(
            "reviews:office_version", args=[w.member_state_list.pk]))),
        method="post", data=lambda w: {"entry": w.list_entry.pk, "item": "reason"},
        effect=lambda w: ListEntry.objects.get(pk=w.list_entry.pk).reason_shared,
        changed_by=frozenset({P, SU}),
        reset=lambda w: ListEntry.objects.filter(pk=w.list_entry.pk).update(reason_shared=False)),
    Row("reviews:office_circulate", url("reviews:office_circulate", pk("member_state_list")),
        office_only(Redirect(lambda w: reverse(
            "reviews:office_version", args=[w.member_state_list.pk]))), method="post",
        data=lambda w: {"objection_deadline": "2040-01-01T12:00"},
        effect=lambda w: MemberStateList.objects.get(pk=w.member_state_list.pk).objection_deadline),
    Row("reviews:office_finalize", url("reviews:office_finalize", pk("member_state_list")),
        office_only(Redirect(lambda w: reverse(
            "reviews:office_version", args=[w.member_state_list.pk]))),
        method="post",
        effect=lambda w: MemberStateList.objects.get(pk=w.member_state_list.pk).status),
    # Member State delegates' pages ----------------------------------------------------
    Row("reviews:delegate_home", url("reviews:delegate_home"), delegates_only(),
        ["Lists for Member States", CALL], given=lambda w: w.member_state_list),
    Row("reviews:delegate_list", url("reviews:delegate_list", pk("member_state_list")),
        delegates_only(), [people.ORGANIZATION_B, "Withdraw"],
        hides=[people.ORGANIZATION_A], given=lambda w: w.objection),
    Row("reviews:delegate_export",
        url("reviews:delegate_export", pk=pk("member_state_list"), file_format="csv"),
        delegates_only(), people.ORGANIZATION_B, hides=OBJECTION_REASON,
        given=lambda w: w.objection),
    Row("reviews:delegate_request", url("reviews:delegate_request", pk("list_entry")),
        signed_in(405)),
    Row("reviews:delegate_request", url("reviews:delegate_request", pk("list_entry")),
        delegates_only(Redirect(lambda w: reverse(
            "reviews:delegate_list", args=[w.member_state_list.pk]))),
        method="post", data=lambda w: {"item": "reason"},
        effect=lambda w: InformationRequest.objects.count(), changed_by=frozenset({D})),
    Row("reviews:delegate_object", url("reviews:delegate_object", pk("list_entry")),
        delegates_only(Redirect(lambda w: reverse(
            "reviews:delegate_list", args=[w.member_state_list.pk]))),
        method="post", data=lambda w: {"reason": "Not independent"},
        effect=lambda w: Objection.objects.standing().count(), changed_by=frozenset({D})),
    Row("reviews:delegate_withdraw", url("reviews:delegate_withdraw", pk("list_entry")),
        delegates_only(Redirect(lambda w: reverse(
            "reviews:delegate_list", args=[w.member_state_list.pk]))),
        method="post", given=lambda w: w.objection,
        effect=lambda w: Objection.objects.standing().count(), changed_by=frozenset({D})),
    # Everyone: who was accredited under a published call.
    Row("reviews:accredited", url("reviews:accredited", slug=lambda w: w.published_call.slug),
        everyone(200), ["Accredited organizations", CALL],
        hides=[people.ORGANIZATION_B, OBJECTION_REASON], given=lambda w: w.objection),
    Row("reviews:accredited",
        url("reviews:accredited", slug=lambda w: w.unpublished_call.slug), everyone(404),
        label="unpublished"),
]  # fmt: skip

# URL patterns with no row of their own, each with the reason. (Static files are served by
# WhiteNoise's middleware and uploads by no URL at all, so neither has a pattern; Django's
# own i18n/setlang/ has the name of the portal's, which comes first and has its rows.)
NOT_IN_THE_TABLE = {
    "admin:login": "Shadowed: /admin/login/ is the portal's admin_login (its rows above), "
    "so Django's password form at that address is never reached.",
}


# The checks ------------------------------------------------------------------------


def _join(route: str, more: str) -> str:
    # As Django joins the routes of nested patterns (ResolverMatch.route).
    return more if not route else route + more.removeprefix("^")


def served_patterns(patterns=None, route="", namespace=""):
    """The key of every URL pattern: its namespaced name, or its route when it has none."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = _join(route, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from served_patterns(pattern.url_patterns, here, inner)
        else:
            assert isinstance(pattern, URLPattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield here


def key_of(address: str) -> str:
    match = resolve(urlsplit(address).path)
    return match.view_name if match.url_name else match.route


def readable(response, body: bytes) -> str:
    """What a person would read in the answer: the page's text, a download's names and text."""
    kind = response.get("Content-Type", "")
    if kind.startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = archive.namelist()
            parts += [
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".json")
            ]
        return "\n".join(parts)
    if kind.startswith("application/json"):
        return json.dumps(json.loads(body), ensure_ascii=False)
    if kind.startswith("text/html"):
        return html.unescape(body.decode("utf-8", "replace"))
    return body.decode("latin-1")


def judge(row: Row, role: str, world: World, address: str, response, expected) -> list[str]:
    where = f"{role} {row.method.upper()} {address}"
    body = content_of(response)  # a download streams from an open file
    status = response.status_code
    if isinstance(expected, Redirect):
        if status != 302:
            return [f"{where}: {status}, expected {expected!r}"]
        location = urlsplit(response["Location"])
        problems = []
        if location.path != expected.path(world):
            problems.append(f"{where}: sent to {response['Location']}, expected {expected!r}")
        if expected.with_next:
            wanted = address if expected.with_next is True else expected.with_next
            if parse_qs(location.query).get("next") != [wanted]:
                problems.append(f"{where}: sent to {response['Location']}, not back to {wanted}")
        return problems
    if status != expected:
        sent_to = f" to {response['Location']}" if status == 302 else ""
        return [f"{where}: {status}{sent_to}, expected {expected}"]
    page = readable(response, body)
    problems = []
    if expected in {200, 400}:
        problems += [
            f"{where}: {expected}, but the page does not show {shown!r}"
            for shown in texts(row.shows, world, role)
            if shown not in page
        ]
        problems += [
            f"{where}: the page shows {hidden!r}, which is not for {role}"
            for hidden in texts(row.hides, world, role)
            if hidden in page
        ]
    elif expected in REFUSAL_TEXT and REFUSAL_TEXT[expected] not in page:
        problems.append(f"{where}: {expected}, but not the portal's {expected} page")
    elif expected == 405 and "POST" not in response.get("Allow", ""):
        problems.append(f"{where}: 405 without allowing POST")
    return problems


def check(row: Row, role: str, world: World, client, expected) -> list[str]:
    """Send the row's request as the role; what went wrong, if anything."""
    address = row.url(world)
    before = row.effect(world) if row.effect else None
    if row.method == "post":
        response = client.post(address, row.data(world) if row.data else {})
    else:
        response = client.get(address)
    problems = judge(row, role, world, address, response, expected)
    if row.effect:
        after = row.effect(world)
        if (after != before) != (role in row.changed_by):
            problems.append(
                f"{role} {row.method.upper()} {address}: {before!r} became {after!r}, "
                + ("expected a change" if role in row.changed_by else "expected no change")
            )
        if after != before and row.reset:
            row.reset(world)
    return problems


def prepared(row: Row) -> World:
    """The world with what the row's page is about, before anyone asks for it."""
    world = World()
    if row.given:
        row.given(world)
    for role in ROLES:
        texts(row.shows, world, role)
        texts(row.hides, world, role)
    return world


def in_turn(row: Row) -> list[str]:
    """Those whose POST changes something go last, so that it is there for the others."""
    return [role for role in ROLES if role not in row.changed_by] + [
        role for role in ROLES if role in row.changed_by
    ]


# The tests -------------------------------------------------------------------------


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in TABLE])
def test_each_role_gets_what_the_design_gives_it(row):
    world = prepared(row)
    address = row.url(world)
    assert key_of(address) == row.key, f"{address} is not a URL of {row.key}"
    clients = people.signed_in_clients()

    problems = []
    for role in in_turn(row):
        expected = row.expected[role]
        problems += check(row, role, world, clients[role], expected)

    assert not problems, "\n".join(problems)


def test_every_url_is_in_the_table():
    served = set(served_patterns())
    listed = {row.key for row in TABLE}

    assert served - listed - set(NOT_IN_THE_TABLE) == set(), "URLs with no row in TABLE"
    assert listed - served == set(), "rows for URLs that no longer exist"
    assert set(NOT_IN_THE_TABLE) - served == set(), "exclusions of URLs that no longer exist"
    assert set(NOT_IN_THE_TABLE) & listed == set(), "excluded, yet in the table"


def test_every_row_has_every_role():
    for row in TABLE:
        assert set(row.expected) == set(ROLES), row.id
        assert row.method in {"get", "post"}, row.id
        assert row.changed_by <= set(ROLES), row.id
    ids = [row.id for row in TABLE]
    assert len(ids) == len(set(ids)), "two rows with the same id"


@pytest.mark.parametrize("role", people.NOT_STAFF)
def test_people_who_are_not_staff_are_sent_from_the_admin_to_a_refusal_not_a_password_form(role):
    client = people.signed_in_client(role)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
    assert "password" not in response.content.decode().lower()


def test_the_cast_is_who_the_roles_say():
    cast = people.cast()

    assert cast[ANONYMOUS] is None
    assert people.organization_a() != people.organization_b()
    assert cast[A].focal_point.organization.name == people.ORGANIZATION_A
    assert cast[B].focal_point.organization.name == people.ORGANIZATION_B
    groups = {
        role: set(user.groups.values_list("name", flat=True)) for role, user in cast.items() if user
    }
    assert groups == {
        A: set(),
        B: set(),
        D: {"Member State delegates"},
        R: {"Reviewers"},
        P: {"PGA office"},
        AD: {"Administrators"},
        SU: set(),
    }
    assert {role for role, user in cast.items() if user and user.is_staff} == set(STAFF)
    assert {role for role, user in cast.items() if user and user.is_superuser} == {SU}
    assert cast[D].member_state.code == people.DELEGATE_MEMBER_STATE
    assert {role for role, user in cast.items() if user and has_confirmed_second_factor(user)} == {
        D,
        *STAFF,
    }
    # Asking again gives the same people.
    assert people.cast() == cast
