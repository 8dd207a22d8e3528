"""An organization's focal points: invitations come first, can be cancelled or declined, and a
focal point can leave or remove a colleague, never leaving the organization with nobody.
Each step is on the record and mailed to the person concerned."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from accreditation import services
from accreditation.models import FocalPoint, Invitation, MembershipEvent, Organization
from tests.factories import FocalPointFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("accreditation:dashboard")
PROFILE = reverse("accreditation:organization")


def last_message(response):
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


def record(organization):
    return list(organization.membership_events.values_list("kind", "email", "actor__email"))


@pytest.fixture
def invited(client):
    """A focal point has invited a colleague, who signs in for the first time."""
    focal_point = FocalPointFactory(user=UserFactory(email="amina@ngo.example"))
    services.invite_focal_point(
        organization=focal_point.organization, email="kofi@ngo.example", by=focal_point.user
    )
    colleague = UserFactory(email="kofi@ngo.example")
    sign_in(client, colleague)
    return focal_point, colleague


def test_an_invited_person_is_offered_the_invitation_and_no_profile_of_their_own(client, invited):
    _focal_point, _colleague = invited

    dashboard = client.get(DASHBOARD).content.decode()
    profile = client.get(PROFILE, follow=True)

    assert "You are invited to be a focal point of" in dashboard
    assert "Accept" in dashboard
    assert "Decline" in dashboard
    assert "Fill in the profile" not in dashboard
    assert profile.redirect_chain == [(DASHBOARD, 302)]
    assert last_message(profile).startswith("You are invited to be a focal point")
    # Posting a profile anyway makes no second organization.
    client.post(PROFILE, {"name": "Duplicate"})
    assert Organization.objects.count() == 1


def test_accepting_makes_a_focal_point_on_the_record(client, invited):
    focal_point, colleague = invited
    invitation = Invitation.objects.get()

    client.post(reverse("accreditation:accept_invitation", args=[invitation.pk]))

    assert FocalPoint.objects.get(user=colleague).organization == focal_point.organization
    assert record(focal_point.organization) == [
        ("invited", "kofi@ngo.example", "amina@ngo.example"),
        ("joined", "kofi@ngo.example", "kofi@ngo.example"),
    ]


def test_declining_frees_the_person_and_tells_the_focal_points(client, invited):
    focal_point, _colleague = invited
    mail.outbox.clear()

    response = client.post(
        reverse("accreditation:decline_invitation", args=[Invitation.objects.get().pk]),
        follow=True,
    )

    assert last_message(response) == "The invitation is declined."
    assert not Invitation.objects.exists()
    assert "Fill in the profile" in client.get(DASHBOARD).content.decode()
    assert [message.to for message in mail.outbox] == [["amina@ngo.example"]]
    assert "kofi@ngo.example declined the invitation" in mail.outbox[0].body
    assert record(focal_point.organization)[-1] == (
        "invitation_declined",
        "kofi@ngo.example",
        "kofi@ngo.example",
    )


def test_focal_points_see_pending_invitations_and_can_cancel_one(invited):
    focal_point, _colleague = invited
    client = sign_in(Client(), focal_point.user)
    mail.outbox.clear()

    page = client.get(PROFILE).content.decode()
    response = client.post(
        reverse("accreditation:cancel_invitation", args=[Invitation.objects.get().pk]),
        follow=True,
    )

    assert "Invitations not yet accepted" in page
    assert "kofi@ngo.example" in page
    assert last_message(response) == "The invitation to kofi@ngo.example is cancelled."
    assert not Invitation.objects.exists()
    assert [message.to for message in mail.outbox] == [["kofi@ngo.example"]]
    assert mail.outbox[0].subject == "Your invitation to the accreditation portal was cancelled"
    assert record(focal_point.organization)[-1] == (
        "invitation_cancelled",
        "kofi@ngo.example",
        "amina@ngo.example",
    )


def test_another_organization_cannot_cancel_an_invitation(invited):
    other = sign_in(Client(), FocalPointFactory().user)

    response = other.post(
        reverse("accreditation:cancel_invitation", args=[Invitation.objects.get().pk])
    )

    assert response.status_code == 404
    assert Invitation.objects.exists()


@pytest.fixture
def two_focal_points():
    first = FocalPointFactory(user=UserFactory(email="amina@ngo.example"))
    second = FocalPointFactory(
        organization=first.organization, user=UserFactory(email="kofi@ngo.example")
    )
    return first, second


def test_a_focal_point_leaves_after_confirming_and_is_told(two_focal_points):
    first, second = two_focal_points
    client = sign_in(Client(), second.user)
    url = reverse("accreditation:remove_focal_point", args=[second.user.pk])

    confirm = client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert "You will no longer be a focal point of" in confirm
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert list(first.organization.focal_points.all()) == [first.user]
    assert [message.to for message in mail.outbox] == [["kofi@ngo.example"]]
    assert mail.outbox[0].subject == "You are no longer a focal point"
    assert record(first.organization) == [("left", "kofi@ngo.example", "kofi@ngo.example")]


def test_a_focal_point_removes_a_colleague_who_is_told(two_focal_points):
    first, second = two_focal_points
    client = sign_in(Client(), first.user)

    response = client.post(
        reverse("accreditation:remove_focal_point", args=[second.user.pk]), follow=True
    )

    assert (
        last_message(response) == "kofi@ngo.example is no longer a focal point of the organization."
    )
    assert not FocalPoint.objects.filter(user=second.user).exists()
    assert "removed you from this organization" in mail.outbox[0].body
    assert record(first.organization) == [("removed", "kofi@ngo.example", "amina@ngo.example")]


def test_the_last_focal_point_cannot_leave(client):
    focal_point = FocalPointFactory()
    sign_in(client, focal_point.user)
    url = reverse("accreditation:remove_focal_point", args=[focal_point.user.pk])

    page = client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert "An organization needs at least one focal point." in page
    assert 'type="submit" class="btn btn-danger"' not in page
    assert last_message(response).startswith("An organization needs at least one focal point.")
    assert FocalPoint.objects.filter(user=focal_point.user).exists()
    assert not MembershipEvent.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["anonymous", "other organization", "delegate"])
def test_nobody_else_removes_a_focal_point(client, two_focal_points, who):
    _first, second = two_focal_points
    if who == "other organization":
        sign_in(client, FocalPointFactory().user)
    elif who == "delegate":
        delegate = UserFactory()
        delegate.groups.add(Group.objects.get(name="Member State delegates"))
        sign_in(client, delegate)

    response = client.post(reverse("accreditation:remove_focal_point", args=[second.user.pk]))

    assert response.status_code in {302, 404}
    if response.status_code == 302:
        assert any(page in response.url for page in ["sign-in", "organization", "dashboard"])
    assert FocalPoint.objects.filter(user=second.user).exists()


@pytest.mark.parametrize("who", ["anonymous", "other organization", "delegate"])
def test_nobody_else_declines_or_cancels_an_invitation(client, invited, who):
    invitation = Invitation.objects.get()
    outsider = Client()
    if who == "other organization":
        sign_in(outsider, FocalPointFactory().user)
    elif who == "delegate":
        delegate = UserFactory()
        delegate.groups.add(Group.objects.get(name="Member State delegates"))
        sign_in(outsider, delegate)

    declined = outsider.post(reverse("accreditation:decline_invitation", args=[invitation.pk]))
    cancelled = outsider.post(reverse("accreditation:cancel_invitation", args=[invitation.pk]))

    assert declined.status_code in {302, 404}
    assert cancelled.status_code in {302, 404}
    if who == "anonymous":
        assert "sign-in" in declined.url
        assert "sign-in" in cancelled.url
    else:
        assert declined.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert not MembershipEvent.objects.exclude(kind="invited").exists()
