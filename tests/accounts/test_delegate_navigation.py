"""The top navigation of a Member State delegate: a link to their home, not to applications
that they do not have."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import SecondFactor
from accounts.roles import MEMBER_STATE_DELEGATES
from tests.factories import FocalPointFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

COMMON_PAGES = ["events:call_list", "events:help", "accounts:account"]
PAGES = ["reviews:delegate_home", *COMMON_PAGES]


def main_navigation_links(html: str) -> list[tuple[str, str]]:
    """(address, label) of each link of the top navigation."""
    (nav,) = re.findall(r'<header class="site-header">.*?</header>', html, re.DOTALL)
    return [
        (href, label.strip())
        for href, label in re.findall(r'<a class="nav-link" href="([^"]+)">([^<]+)</a>', nav)
    ]


def delegate(*other_groups):
    user = UserFactory(email="delegate@mission.example", member_state="FR")
    user.groups.add(Group.objects.get_or_create(name=MEMBER_STATE_DELEGATES)[0])
    for name in other_groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    # Delegates have an authenticator and have passed it in this session.
    SecondFactor.objects.create(user=user, secret="A" * 32, confirmed_at=user.date_joined)
    return user


@pytest.mark.parametrize("url_name", PAGES)
def test_a_delegate_is_offered_their_home_not_applications(client, url_name):
    sign_in(client, delegate())

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    links = main_navigation_links(response.content.decode())
    assert (reverse("reviews:delegate_home"), "Home") in links
    assert "Your applications" not in [label for _, label in links]


def test_a_delegate_in_another_group_too_is_offered_their_home(client):
    sign_in(client, delegate("Observers"))

    links = main_navigation_links(client.get(reverse("events:call_list")).content.decode())

    assert (reverse("reviews:delegate_home"), "Home") in links
    assert "Your applications" not in [label for _, label in links]


def test_the_home_link_leads_to_the_delegates_page(client):
    sign_in(client, delegate())

    response = client.get(reverse("accreditation:dashboard"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("reviews:delegate_home")
    assert "Lists for Member States" in response.content.decode()


@pytest.mark.parametrize("url_name", ["accreditation:dashboard", *COMMON_PAGES])
def test_an_applicant_keeps_the_link_to_their_applications(client, url_name):
    sign_in(client, FocalPointFactory().user)

    links = main_navigation_links(client.get(reverse(url_name)).content.decode())

    assert (reverse("accreditation:dashboard"), "Your applications") in links
    assert "Home" not in [label for _, label in links]


def test_a_group_named_alike_does_not_make_a_delegate(client):
    user = UserFactory()
    user.groups.add(Group.objects.create(name=f"Former {MEMBER_STATE_DELEGATES}"))
    sign_in(client, user)

    links = main_navigation_links(client.get(reverse("events:call_list")).content.decode())

    assert (reverse("accreditation:dashboard"), "Your applications") in links


def test_in_french_the_delegate_reads_accueil(client):
    sign_in(client, delegate())

    response = client.get(reverse("events:call_list"), headers={"accept-language": "fr"})

    assert '<html lang="fr"' in response.content.decode()
    links = main_navigation_links(response.content.decode())
    assert (reverse("reviews:delegate_home"), "Accueil") in links
    assert "Vos candidatures" not in [label for _, label in links]
