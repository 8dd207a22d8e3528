import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_pages():
    call = CallFactory()
    return [reverse("events:call_list"), call.get_absolute_url(), reverse("accounts:sign_in")]


def test_every_page_has_a_skip_link_landmarks_and_a_language(client, public_pages):
    for url in public_pages:
        html = client.get(url).content.decode()

        assert '<a class="skip-link" href="#main">Skip to main content</a>' in html, url
        assert '<main id="main"' in html, url
        assert "<header" in html, url
        assert "<footer" in html, url
        assert re.search(r'<nav [^>]*aria-label="Main"', html), url
        assert '<html lang="en" dir="ltr">' in html, url
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html, url


def test_assets_are_served_from_our_own_static_files(client, public_pages):
    for url in public_pages:
        html = client.get(url).content.decode()

        assets = re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html)
        assert assets, url
        assert all(asset.startswith("/static/") for asset in assets), assets
        assert "/static/bootstrap/css/bootstrap.min.css" in assets


def test_pages_work_without_javascript(client, public_pages):
    for url in public_pages:
        assert "<script" not in client.get(url).content.decode(), url


def test_language_switcher_is_a_labelled_form_that_needs_no_script(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert '<label for="language-select"' in html


def test_unknown_address_gets_the_friendly_not_found_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert reverse("events:call_list") in html


def test_server_error_page_needs_no_database_and_says_nothing_is_lost():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
