"""The public page of a call's accredited organizations: name and country, once final."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accreditation.models import Status
from reviews import services
from tests import people
from tests.factories import CallFactory
from tests.reviews.test_delegate_pages import (
    ALPHA,
    ALPHA_HOMEPAGE,
    ALPHA_REASON,
    BETA,
    BETA_HOMEPAGE,
    CALL,
    OTHER_STATE_REASON,
    PARTICIPANTS,
    STAFF_NOTE,
    World,
    recommended,
)

pytestmark = pytest.mark.django_db


def table_rows(response) -> list[tuple[str, str]]:
    """The (organization, country) of each row of the page's table."""
    body = response.content.decode().split("<tbody>", 1)
    if len(body) == 1:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", body[1].split("</tbody>", 1)[0], re.DOTALL)
    return [
        tuple(
            re.sub(r"<span class=\"stacked-label\">.*?</span>", "", cell).strip()
            for cell in re.findall(r"<t[dh](?: scope=\"row\")?>(.*?)</t[dh]>", row, re.DOTALL)
        )
        for row in rows
    ]


def url(call) -> str:
    return reverse("reviews:accredited", kwargs={"slug": call.slug})


def test_once_final_the_page_lists_exactly_the_accredited_organizations(client):
    world = World()
    # Recommended, but under another call: accredited there, not here.
    elsewhere = recommended(
        CallFactory(title="Another call"),
        "Delta Accredited Elsewhere",
        homepage="https://delta.example/",
        reason="Delta's reason",
        slug="delta",
    )
    elsewhere.status = Status.ACCREDITED
    elsewhere.save(update_fields=["status"])
    with time_machine.travel(world.deadline + timedelta(minutes=5)):
        services.finalize(member_state_list=world.list, by=world.office)
    world.alpha.refresh_from_db()
    world.beta.refresh_from_db()
    assert (world.alpha.status, world.beta.status) == (Status.ACCREDITED, Status.NOT_ACCREDITED)

    response = client.get(url(world.call))
    assert response.status_code == 200
    assert table_rows(response) == [(ALPHA, "Kenya")]
    text = response.content.decode()
    assert "Accredited organizations</h1>" in text
    assert CALL in text
    assert "1 organization was accredited on" in text
    for absent in (
        BETA,
        "Delta Accredited Elsewhere",
        ALPHA_HOMEPAGE,
        BETA_HOMEPAGE,
        ALPHA_REASON,
        STAFF_NOTE,
        OTHER_STATE_REASON,
        *PARTICIPANTS.values(),
        world.alpha.organization.contact_email,
        world.alpha.reference,
    ):
        assert absent not in text


def test_before_the_list_is_final_the_page_says_so(client):
    world = World()
    response = client.get(url(world.call))
    assert response.status_code == 200
    text = response.content.decode()
    assert "The list of accredited organizations is not final yet." in text
    assert table_rows(response) == []
    assert ALPHA not in text
    assert BETA not in text


def test_a_call_with_no_list_says_it_is_not_final(client):
    response = client.get(url(CallFactory()))
    assert response.status_code == 200
    assert "not final yet" in response.content.decode()


@pytest.mark.parametrize("role", [people.ANONYMOUS, people.SUPERUSER, people.DELEGATE])
def test_an_unpublished_call_has_no_such_page(role):
    call = CallFactory(is_published=False)
    assert people.signed_in_client(role).get(url(call)).status_code == 404
    assert people.signed_in_client(role).get(url(CallFactory())).status_code == 200
    assert people.signed_in_client(role).get("/calls/no-such-call/accredited/").status_code == 404
