"""The lists for Member States: drawing up, circulating, objections, deadlines, finalizing."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accreditation.models import Application, Status
from accreditation.services import NotAllowed
from reviews import selectors, services
from reviews.models import ListEvent, MemberStateList, Objection, SharedItem
from tests import people
from tests.factories import CallFactory, UserFactory, application_in

pytestmark = pytest.mark.django_db


def recommended(call, name):
    application = application_in(Status.RECOMMENDED)
    Application.objects.filter(pk=application.pk).update(call=call)
    application.organization.name = name
    application.organization.save()
    application.refresh_from_db()
    return application


def second_delegate(country="BR", language="en"):
    delegate = UserFactory(
        email=f"delegate-{country.lower()}@example.org",
        member_state=country,
        preferred_language=language,
    )
    delegate.groups.add(people.delegate().groups.get())
    return delegate


@pytest.fixture
def office():
    return people.pga_office()


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def circulated(call, office):
    """A list of two organizations, circulated with objections open for a week."""
    first, second = recommended(call, "Alpha Voices"), recommended(call, "Beta Council")
    draft = services.draft_list(call=call, by=office)
    for application in (first, second):
        services.add_to_list(member_state_list=draft, application=application, by=office)
    return services.circulate(
        member_state_list=draft, by=office, objection_deadline=timezone.now() + timedelta(days=7)
    )


def entry_of(member_state_list, name):
    return member_state_list.entries.get(application__organization__name=name)


def test_only_recommended_applications_of_the_call_go_on_its_list(call, office):
    draft = services.draft_list(call=call, by=office)
    under_review = application_in(Status.UNDER_REVIEW)
    Application.objects.filter(pk=under_review.pk).update(call=call)
    other_call = application_in(Status.RECOMMENDED)

    for application in (under_review, other_call):
        with pytest.raises(NotAllowed, match="Only applications recommended under this call"):
            services.add_to_list(member_state_list=draft, application=application, by=office)


def test_only_the_pga_office_draws_up_a_list(call):
    for role in ("reviewer", "administrator", "delegate", "applicant_a"):
        with pytest.raises(NotAllowed, match="Only the PGA office"):
            services.draft_list(call=call, by=people.person(role))


def test_circulating_needs_a_decision_on_every_recommended_application(call, office):
    on_list, waiting = recommended(call, "Alpha Voices"), recommended(call, "Beta Council")
    draft = services.draft_list(call=call, by=office)
    services.add_to_list(member_state_list=draft, application=on_list, by=office)
    deadline = timezone.now() + timedelta(days=7)

    with pytest.raises(NotAllowed, match="Beta Council"):
        services.circulate(member_state_list=draft, by=office, objection_deadline=deadline)
    with pytest.raises(NotAllowed, match="Say why"):
        services.leave_off(member_state_list=draft, application=waiting, by=office, reason=" ")
    services.leave_off(
        member_state_list=draft, application=waiting, by=office, reason="Same network as Alpha."
    )
    services.circulate(member_state_list=draft, by=office, objection_deadline=deadline)

    left = ListEvent.objects.get(kind=ListEvent.Kind.LEFT_OFF)
    assert (left.application, left.reason, left.actor) == (
        waiting,
        "Same network as Alpha.",
        office,
    )


def test_circulation_freezes_the_entries_and_mails_every_delegate_in_their_language(
    circulated, call, office
):
    french = people.delegate()
    french.preferred_language = "fr"
    french.save()
    brazilian = second_delegate()
    mail.outbox.clear()
    # Mail goes when the step commits; circulate again on a fresh draft to see it.
    services.draft_list(call=call, by=office)
    newer = MemberStateList.objects.get(call=call, status=MemberStateList.Status.DRAFT)
    services.circulate(
        member_state_list=newer, by=office, objection_deadline=timezone.now() + timedelta(days=3)
    )

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[french.email].startswith("Liste")
    assert subjects[brazilian.email].startswith("List for Member States, version 2")
    with pytest.raises(NotAllowed, match="Start a new version"):
        services.add_to_list(
            member_state_list=circulated,
            application=recommended(call, "Gamma Forum"),
            by=office,
        )
    circulated.refresh_from_db()
    assert circulated.status == MemberStateList.Status.SUPERSEDED


def test_an_objection_after_the_deadline_is_refused_with_a_message(circulated):
    delegate = people.delegate()
    entry = entry_of(circulated, "Alpha Voices")

    with (
        time_machine.travel(circulated.objection_deadline, tick=False),
        pytest.raises(NotAllowed, match="The deadline for this list has passed"),
    ):
        services.lodge_objection(entry=entry, by=delegate, reason="Too late")

    assert not Objection.objects.exists()


def test_objections_stand_until_withdrawn_and_once_per_member_state(circulated):
    delegate = people.delegate()
    entry = entry_of(circulated, "Alpha Voices")

    services.lodge_objection(entry=entry, by=delegate, reason="Not independent.")
    with pytest.raises(NotAllowed, match="already objects"):
        services.lodge_objection(entry=entry, by=delegate)
    services.withdraw_objection(entry=entry, by=delegate)
    services.lodge_objection(entry=entry, by=delegate)

    assert entry.objections.count() == 2
    assert entry.objections.standing().count() == 1
    kinds = list(circulated.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["objected", "objection_withdrawn", "objected"]


def test_only_delegates_with_a_member_state_object():
    entry_list = None  # not needed: the refusal comes before the list is read
    for user in (people.pga_office(), people.applicant_a(), UserFactory(email="x@example.org")):
        with pytest.raises(NotAllowed, match="Only Member State delegates"):
            services.lodge_objection(entry=entry_list, by=user)


def test_a_request_is_shared_with_every_delegate_by_the_office(circulated, office):
    entry = entry_of(circulated, "Beta Council")

    services.request_information(entry=entry, item=SharedItem.REASON, by=people.delegate())
    assert [request.entry for request in selectors.open_information_requests(circulated)] == [entry]
    services.share(entry=entry, item=SharedItem.REASON, by=office)

    entry.refresh_from_db()
    assert entry.reason_shared
    assert not entry.homepage_shared
    assert selectors.open_information_requests(circulated) == []
    shared = circulated.events.get(kind=ListEvent.Kind.SHARED)
    assert (shared.application, shared.item, shared.actor) == (
        entry.application,
        SharedItem.REASON,
        office,
    )


def test_finalizing_before_the_deadline_is_refused(circulated, office):
    with pytest.raises(NotAllowed, match="Member States may object until"):
        services.finalize(member_state_list=circulated, by=office)


def test_finalizing_accredits_entries_without_standing_objections_and_mails_focal_points(
    circulated, office
):
    alpha, beta = entry_of(circulated, "Alpha Voices"), entry_of(circulated, "Beta Council")
    services.lodge_objection(entry=beta, by=people.delegate(), reason="Not independent.")
    brazil = second_delegate()
    services.lodge_objection(entry=alpha, by=brazil)
    services.withdraw_objection(entry=alpha, by=brazil)
    mail.outbox.clear()

    with time_machine.travel(circulated.objection_deadline + timedelta(minutes=1), tick=False):
        result = services.finalize(member_state_list=circulated, by=office)
        again = services.finalize(member_state_list=circulated, by=office)

    assert (result.accredited, result.not_accredited, again.already) == (1, 1, True)
    alpha.application.refresh_from_db()
    beta.application.refresh_from_db()
    assert alpha.application.status == Status.ACCREDITED
    assert beta.application.status == Status.NOT_ACCREDITED
    assert beta.application.history.last().note == "Objected to by: France."
    mailed = {message.to[0]: message.subject for message in mail.outbox}
    assert set(mailed) == {
        alpha.application.organization.focal_points.get().email,
        beta.application.organization.focal_points.get().email,
    }
    assert list(selectors.accredited_organizations(circulated.call)) == [alpha.application]
    assert circulated.events.filter(kind=ListEvent.Kind.FINALIZED).count() == 1


def test_a_new_version_copies_entries_and_shares_and_takes_off_with_a_reason(
    circulated, call, office
):
    alpha = entry_of(circulated, "Alpha Voices")
    services.share(entry=alpha, item=SharedItem.HOMEPAGE, by=office)

    newer = services.draft_list(call=call, by=office)
    beta = entry_of(circulated, "Beta Council").application

    with pytest.raises(NotAllowed, match="say why it is taken off"):
        services.remove_from_list(member_state_list=newer, application=beta, by=office)
    services.remove_from_list(
        member_state_list=newer, application=beta, by=office, reason="Withdrew its request."
    )

    assert newer.version == 2
    assert entry_of(newer, "Alpha Voices").homepage_shared
    changes = [
        (change.organization, change.change)
        for change in selectors.compare_versions(circulated, newer)
    ]
    assert changes == [("Beta Council", "Taken off")]
    assert newer.events.get(kind=ListEvent.Kind.REMOVED).reason == "Withdrew its request."
    # Taken off with a reason is a decision: the new version circulates without asking again.
    services.circulate(
        member_state_list=newer, by=office, objection_deadline=timezone.now() + timedelta(days=3)
    )


def test_what_member_states_do_while_a_new_version_is_drafted_is_carried_over(
    circulated, call, office
):
    alpha, beta = entry_of(circulated, "Alpha Voices"), entry_of(circulated, "Beta Council")
    brazil = second_delegate()
    services.lodge_objection(entry=beta, by=brazil)
    newer = services.draft_list(call=call, by=office)
    # The circulated version stays open while the office drafts the next one.
    services.lodge_objection(entry=alpha, by=people.delegate(), reason="Not independent.")
    services.withdraw_objection(entry=beta, by=brazil)
    services.request_information(entry=alpha, item=SharedItem.REASON, by=brazil)
    services.share(entry=alpha, item=SharedItem.HOMEPAGE, by=office)

    services.circulate(
        member_state_list=newer, by=office, objection_deadline=timezone.now() + timedelta(days=3)
    )

    new_alpha, new_beta = entry_of(newer, "Alpha Voices"), entry_of(newer, "Beta Council")
    assert new_alpha.objections.standing().get().reason == "Not independent."
    assert not new_beta.objections.standing().exists()
    assert new_alpha.homepage_shared
    assert new_alpha.information_requests.get().member_state == "BR"


def test_finalizing_sets_aside_a_pending_draft_and_decides_every_recommended_application(
    call, office
):
    listed, left = recommended(call, "Alpha Voices"), recommended(call, "Beta Council")
    draft = services.draft_list(call=call, by=office)
    services.add_to_list(member_state_list=draft, application=listed, by=office)
    services.leave_off(member_state_list=draft, application=left, by=office, reason="Duplicate.")
    circulated = services.circulate(
        member_state_list=draft, by=office, objection_deadline=timezone.now() + timedelta(days=1)
    )
    pending = services.draft_list(call=call, by=office)

    with time_machine.travel(circulated.objection_deadline, tick=False):
        result = services.finalize(member_state_list=circulated, by=office)

    pending.refresh_from_db()
    left.refresh_from_db()
    assert (result.accredited, result.not_accredited) == (1, 1)
    assert pending.status == MemberStateList.Status.DISCARDED
    assert left.status == Status.NOT_ACCREDITED
    assert left.history.last().note == "Not on the list circulated to Member States: Duplicate."
    with pytest.raises(NotAllowed, match="finalized"):
        services.draft_list(call=call, by=office)


def test_member_states_read_the_organization_as_it_was_listed(circulated):
    alpha = entry_of(circulated, "Alpha Voices")
    organization = alpha.application.organization
    organization.name = "Totally Different Org"
    organization.homepage = "https://phish.example/"
    organization.save()

    alpha.refresh_from_db()
    assert alpha.organization_name == "Alpha Voices"
    assert alpha.homepage != "https://phish.example/"


def test_an_application_no_longer_recommended_is_not_circulated(call, office):
    application = recommended(call, "Alpha Voices")
    draft = services.draft_list(call=call, by=office)
    services.add_to_list(member_state_list=draft, application=application, by=office)
    Application.objects.filter(pk=application.pk).update(status=Status.UNDER_REVIEW)

    with pytest.raises(NotAllowed, match=r"No longer recommended.*Alpha Voices"):
        services.circulate(
            member_state_list=draft,
            by=office,
            objection_deadline=timezone.now() + timedelta(days=1),
        )


def test_a_deadline_more_than_a_year_ahead_is_refused(call, office):
    draft = services.draft_list(call=call, by=office)

    with pytest.raises(NotAllowed, match="within a year"):
        services.circulate(
            member_state_list=draft,
            by=office,
            objection_deadline=timezone.now() + timedelta(days=400),
        )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_office_members_finalizing_at_once_finalize_once(circulated, office):
    colleague = UserFactory(email="colleague@un.example.org", is_staff=True)
    colleague.groups.add(office.groups.get())
    barrier = threading.Barrier(2)
    outcomes = []

    def finalize(user):
        try:
            with time_machine.travel(
                circulated.objection_deadline + timedelta(minutes=1), tick=False
            ):
                barrier.wait(timeout=10)
                outcomes.append(
                    services.finalize(member_state_list=circulated, by=User.objects.get(pk=user.pk))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize, args=(user,)) for user in (office, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome.already for outcome in outcomes) == [False, True]
    assert ListEvent.objects.filter(kind=ListEvent.Kind.FINALIZED).count() == 1
    assert Application.objects.filter(status=Status.ACCREDITED).count() == 2


def test_an_application_on_a_circulated_list_is_not_reopened(circulated):
    application = entry_of(circulated, "Alpha Voices").application

    with pytest.raises(NotAllowed, match="the PGA office takes it off the list first"):
        services.review(application=application, action="reopen", by=people.reviewer())

    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED
