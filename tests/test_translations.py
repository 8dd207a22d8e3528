"""The French translation: complete, compiled, and used by the pages and the time words."""

import ast
import gettext
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from events import timefmt

pytestmark = pytest.mark.django_db

MESSAGES = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|</?\w+[^>]*>")


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural and msgstr (or msgstr[n])."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def entries():
    header, *messages = po_entries(MESSAGES / "django.po")
    assert header["msgid"] == ""
    assert "Language: fr\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header["msgstr"]
    assert "fuzzy" not in header["flags"]
    return messages


def translations_of(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [entry["msgstr[0]"], entry["msgstr[1]"]]
    return [entry["msgstr"]]


def test_every_message_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(translations_of(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]

    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_every_placeholder_and_tag(entries):
    for entry in entries:
        for source, translated in zip(
            [entry["msgid"], entry.get("msgid_plural", entry["msgid"])],
            translations_of(entry),
            strict=False,
        ):
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(source)), (
                source
            )


def test_compiled_catalogue_matches_the_po_file(entries):
    with (MESSAGES / "django.mo").open("rb") as mo_file:
        catalogue = gettext.GNUTranslations(mo_file)

    for entry in entries:
        if "msgid_plural" in entry:
            singular, plural = translations_of(entry)
            assert catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1) == singular
            assert catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 2) == plural
        elif "msgctxt" in entry:
            translated = catalogue.pgettext(entry["msgctxt"], entry["msgid"])
            assert translated == entry["msgstr"], entry["msgid"]
        else:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_home_page_is_in_french_after_switching_language(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302

    html = client.get(reverse("events:call_list")).content.decode()

    assert '<html lang="fr"' in html
    assert '<h1 class="mb-3">Appels à candidatures pour l’accréditation spéciale</h1>' in html
    assert "Aller au contenu principal" in html
    assert "Calls for special accreditation" not in html


def test_instant_in_the_venue_time_zone_reads_in_french():
    moment = datetime(2021, 10, 15, 3, 59, tzinfo=UTC)

    with translation.override("fr"):
        words = timefmt.in_zone(moment, ZoneInfo("America/New_York"), "New York")
        utc_words = timefmt.in_utc(moment)

    assert words == "14 octobre 2021 à 23:59, heure de New York (UTC\u22124)"
    assert utc_words == "15 octobre 2021 à 03:59 UTC"


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=1), "1 jour"),
        (timedelta(days=3), "3 jours"),
        (timedelta(hours=1), "1 heure"),
        (timedelta(hours=5), "5 heures"),
        (timedelta(minutes=12), "12 minutes"),
        (timedelta(seconds=20), "moins d’une minute"),
    ],
)
def test_durations_read_in_french(delta, words):
    with translation.override("fr"):
        assert timefmt.duration_words(delta) == words
