"""What a signed-in person is sent is kept by no cache: ``Cache-Control: private, no-store``."""

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from tests.factories import ApplicationFactory, CallFactory, FocalPointFactory, StaffFactory
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def applicant(client):
    return sign_in(client, FocalPointFactory().user)


@pytest.mark.parametrize(
    "url",
    [
        reverse("accreditation:dashboard"),
        reverse("accreditation:organization"),
        reverse("accounts:account"),
        reverse("events:call_list"),  # public, but the page names who is signed in
        reverse("admin:index"),  # a refusal is theirs too
    ],
)
def test_pages_for_a_signed_in_applicant_are_private_and_not_stored(applicant, url):
    response = applicant.get(url)

    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)


def test_a_redirect_for_a_signed_in_person_is_not_stored_either(client):
    focal_point = FocalPointFactory()
    draft = ApplicationFactory(organization=focal_point.organization)
    sign_in(client, focal_point.user)

    # A draft has no "submitted" page yet: back to the draft.
    response = client.get(reverse("accreditation:submitted", args=[draft.pk]))

    assert response.status_code == 302
    assert {"private", "no-store"} <= directives(response)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:accreditation_application_changelist"),
        reverse("admin:accounts_user_changelist"),
    ],
)
def test_admin_pages_keep_their_stricter_headers_and_add_private_no_store(client, url):
    sign_in(client, StaffFactory())

    response = client.get(url)

    assert response.status_code == 200
    # The admin's own never_cache stays whole.
    assert {"private", "no-store", "no-cache", "must-revalidate", "max-age=0"} <= directives(
        response
    )
    assert get_max_age(response) == 0


def test_signing_out_is_not_stored(applicant):
    response = applicant.post(reverse("accounts:sign_out"))

    assert response.status_code == 302
    assert {"private", "no-store"} <= directives(response)


def test_public_pages_for_anonymous_visitors_are_left_as_they_were(client):
    call = CallFactory()

    pages = [
        client.get(reverse("events:call_list")),
        client.get(reverse("events:call_detail", args=[call.slug])),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert [page.get("Cache-Control") for page in pages] == [None, None]


def test_the_sign_in_page_keeps_its_own_never_cache(client):
    response = client.get(reverse("accounts:sign_in"))

    assert {"no-store", "no-cache", "must-revalidate", "private"} <= directives(response)


def test_static_files_are_served_before_and_keep_their_caching(client, settings):
    # As in development: WhiteNoise serves the files from the apps' folders (its middleware,
    # and so this setting, is read at the client's first request).
    settings.WHITENOISE_USE_FINDERS = True
    sign_in(client, FocalPointFactory().user)

    response = client.get("/static/css/site.css")

    finish(response)

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert "private" not in directives(response)
