"""Administrators manage people without raising anyone's powers, their own included."""

import html
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import SecondFactor
from accounts.roles import ADMINISTRATORS, MEMBER_STATE_DELEGATES, REVIEWERS
from tests.factories import StaffFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def administrator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATORS))
    return user


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_form(user, **changes):
    fields = {
        "email": user.email,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "preferred_language": user.preferred_language,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
        "security_events-TOTAL_FORMS": 0,
        "security_events-INITIAL_FORMS": 0,
        "security_events-MIN_NUM_FORMS": 0,
        "security_events-MAX_NUM_FORMS": 1000,
    }
    return fields | changes


def test_an_administrator_gives_someone_a_role_they_hold_no_more_than_themselves(client):
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)
    delegates = Group.objects.get(name=MEMBER_STATE_DELEGATES)

    response = client.post(
        change_url(person), user_form(person, groups=[delegates.pk], member_state="KE")
    )

    assert response.status_code == 302
    assert list(person.groups.all()) == [delegates]


def test_an_administrator_cannot_give_a_role_with_powers_they_lack(client):
    # Reviewers read documents and take review steps; Administrators do neither.
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)
    reviewers = Group.objects.get(name=REVIEWERS)

    page = client.get(change_url(person)).content.decode()
    response = client.post(change_url(person), user_form(person, groups=[reviewers.pk]))

    assert f'value="{reviewers.pk}"' not in page
    assert response.status_code == 200  # the form, with the choice refused
    assert not person.groups.exists()


def test_an_administrator_cannot_take_over_a_reviewers_account(client):
    sign_in(client, administrator())
    reviewer = UserFactory(is_staff=True, email="reviewer@un.example.org")
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    SecondFactor.objects.create(user=reviewer, secret="A" * 32, confirmed_at=reviewer.date_joined)

    response = client.post(change_url(reviewer), user_form(reviewer, email="mine@example.org"))
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [reviewer.pk]},
    )

    reviewer.refresh_from_db()
    assert response.status_code == 403
    assert reviewer.email == "reviewer@un.example.org"
    assert SecondFactor.objects.filter(user=reviewer).exists()


def test_an_administrator_cannot_change_anyones_address(client):
    # Sign-in links go to the address: changing it would hand over the account.
    sign_in(client, administrator())
    applicant = UserFactory(email="amina@example.org")

    page = client.get(change_url(applicant)).content.decode()
    client.post(change_url(applicant), user_form(applicant, email="mine@example.org"))

    applicant.refresh_from_db()
    assert 'name="email"' not in page
    assert applicant.email == "amina@example.org"


def test_an_administrator_cannot_make_anyone_a_superuser(client):
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)

    page = client.get(change_url(person)).content.decode()
    client.post(change_url(person), user_form(person, is_superuser="on"))

    person.refresh_from_db()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    assert person.is_superuser is False


def test_an_administrator_cannot_change_their_own_account(client):
    me = administrator()
    sign_in(client, me)
    everything = list(Group.objects.values_list("pk", flat=True))

    page = client.get(change_url(me))
    response = client.post(change_url(me), user_form(me, is_superuser="on", groups=everything))

    me.refresh_from_db()
    assert page.status_code == 200
    assert 'name="email"' not in page.content.decode()  # shown, not editable
    assert response.status_code == 403
    assert (me.is_superuser, me.groups.count()) == (False, 1)


def test_an_administrator_cannot_change_a_superuser_nor_reset_their_second_factor(client):
    sign_in(client, administrator())
    superuser = StaffFactory(email="chief@un.example.org")
    SecondFactor.objects.create(user=superuser, secret="A" * 32, confirmed_at=superuser.date_joined)

    response = client.post(change_url(superuser), user_form(superuser, email="mine@example.org"))
    reset = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [superuser.pk]},
        follow=True,
    )

    superuser.refresh_from_db()
    assert response.status_code == 403
    assert superuser.email == "chief@un.example.org"
    assert SecondFactor.objects.filter(user=superuser).exists()
    assert "only a superuser may do that" in reset.content.decode()


def test_a_superuser_still_manages_superusers(client):
    sign_in(client, StaffFactory())
    other = StaffFactory()

    response = client.post(change_url(other), user_form(other, family_name="Renamed"))

    other.refresh_from_db()
    assert response.status_code == 302
    assert other.family_name == "Renamed"


# Nobody edits their own account here, superusers included ---------------------------------


def test_a_superuser_cannot_change_their_own_account(client):
    me = StaffFactory(email="chief@un.example.org", family_name="Diallo")
    sign_in(client, me)

    page = client.get(change_url(me))
    response = client.post(
        change_url(me),
        user_form(me, email="mine@example.org", family_name="Renamed", is_active=""),
    )

    me.refresh_from_db()
    assert page.status_code == 200  # shown, read-only
    assert 'name="email"' not in page.content.decode()
    assert 'name="is_superuser"' not in page.content.decode()
    assert response.status_code == 403
    assert (me.email, me.family_name, me.is_active) == ("chief@un.example.org", "Diallo", True)


def test_a_superuser_cannot_reset_their_own_second_factor_nor_delete_their_account(client):
    me = StaffFactory(email="chief@un.example.org")
    SecondFactor.objects.create(user=me, secret="A" * 32, confirmed_at=me.date_joined)
    sign_in(client, me)

    reset = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [me.pk]},
        follow=True,
    )
    delete = client.post(reverse("admin:accounts_user_delete", args=[me.pk]), {"post": "yes"})

    assert SecondFactor.objects.filter(user=me).exists()
    assert "nobody changes their own account here" in reset.content.decode()
    assert delete.status_code == 403
    assert type(me).objects.filter(pk=me.pk).exists()


def test_another_superuser_still_changes_a_superusers_account(client):
    chief = StaffFactory(email="chief@un.example.org")
    sign_in(client, StaffFactory())

    response = client.post(change_url(chief), user_form(chief, family_name="Renamed"))

    chief.refresh_from_db()
    assert response.status_code == 302
    assert chief.family_name == "Renamed"


# Who grants which role, said beside the roles ---------------------------------------------


def groups_help(page):
    match = re.search(r'<div class="help"[^>]*id="id_groups_helptext"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()))


def test_the_roles_field_says_who_grants_which_role_and_what_an_administrator_may_grant(client):
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)

    page = client.get(change_url(person)).content.decode()

    assert groups_help(page).startswith(
        "Separation of duties: only a superuser makes someone a Reviewer or a member of the "
        "PGA office; Administrators grant the roles Administrators and Member State delegates. "
        "You may grant: Administrators, Member State delegates."
    )


def test_a_superuser_is_told_they_may_grant_every_role(client):
    sign_in(client, StaffFactory())
    person = UserFactory(is_staff=True)

    page = client.get(change_url(person)).content.decode()

    assert (
        "You may grant: Administrators, Member State delegates, PGA office, Reviewers."
        in groups_help(page)
    )


def test_the_roles_are_named_in_the_readers_language(client):
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)

    page = client.get(change_url(person), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Administrateurs, Délégués des États Membres." in groups_help(page)


# The Member State a delegate represents ----------------------------------------------------


def delegates():
    return Group.objects.get(name=MEMBER_STATE_DELEGATES)


def test_an_administrator_attaches_a_member_state_to_a_delegate(client):
    sign_in(client, administrator())
    person = UserFactory(email="delegate@mission.example.org")

    response = client.post(
        change_url(person),
        user_form(person, is_staff="", groups=[delegates().pk], member_state="KE"),
    )
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()

    person.refresh_from_db()
    assert response.status_code == 302
    assert person.member_state.code == "KE"
    rows = re.findall(r"<tr\b(?:(?!</tr>).)*</tr>", listing, re.S)
    row = next(row for row in rows if "delegate@mission.example.org" in row)
    assert "Member State" in listing  # the column
    assert "Kenya" in row


def test_a_delegate_without_a_member_state_is_refused_by_the_field(client):
    sign_in(client, administrator())
    person = UserFactory()

    response = client.post(
        change_url(person), user_form(person, is_staff="", groups=[delegates().pk])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "member_state": ["Choose the Member State this Member State delegate represents."]
    }
    assert not person.groups.exists()


def test_a_member_state_for_someone_who_is_no_delegate_is_refused(client):
    sign_in(client, administrator())
    person = UserFactory(is_staff=True)

    response = client.post(change_url(person), user_form(person, member_state="KE"))

    person.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "member_state": [
            "Only Member State delegates represent a Member State: clear this field, "
            "or give the person the role Member State delegates."
        ]
    }
    assert not person.member_state


def test_only_who_may_manage_the_person_changes_their_member_state(client):
    sign_in(client, administrator())
    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))

    response = client.post(
        change_url(reviewer),
        user_form(reviewer, groups=[delegates().pk], member_state="KE"),
    )

    reviewer.refresh_from_db()
    assert response.status_code == 403
    assert not reviewer.member_state
