"""The participants' exports at scale: the CSV of 100,000 participants streams in little
memory; the XLSX and the PDF of 3,000 (the PDF's limit, ``PARTICIPANT_PDF_MAX_ROWS``) are
timed.

Run with ``make bench`` (SQLite) or ``DATABASE_URL=postgres://… make bench``. Nothing is
asserted about time. Memory is: reading the whole CSV of 100,000 participants must raise
neither the Python heap's peak (tracemalloc) nor the process's resident set's peak (VmHWM,
reset before reading) by more than ``MEMORY_LIMIT`` over where they stood before. The numbers
are reported at the end of the run and kept in the benchmark's ``extra_info``.
"""

import gc
import time
import tracemalloc
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accreditation.models import Organization
from registration.models import Representative
from tests import people
from tests.bulk import COUNTRIES, TYPES, add_representatives, analyze
from tests.factories import CallFactory, MeetingFactory
from tests.helpers import content_of, sign_in

PARTICIPANTS = 100_000
SMALL = 3_000
ORGANIZATIONS = 2_000
MEMORY_LIMIT = 50 * 1024 * 1024
MB = 1024 * 1024
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


@pytest.fixture(scope="module")
def participants(django_db_setup, django_db_blocker):
    """100,000 participants of one call and 3,000 of another, committed once for the module."""
    with django_db_blocker.unblock():
        large = CallFactory(title="Summit on migration", slug="bench-participants")
        small = CallFactory(title="Ocean conference", slug="bench-participants-small")
        tiny = CallFactory(title="Water conference", slug="bench-participants-tiny")
        organizations = Organization.objects.bulk_create(
            (
                Organization(
                    name=f"Organization number {number}",
                    acronym=f"ON{number}",
                    type=TYPES[number % len(TYPES)],
                    country=COUNTRIES[number % len(COUNTRIES)],
                    city="Capital",
                    year_established=2000,
                    homepage=f"https://www.org{number}.example",
                    contact_email=f"office{number}@example.org",
                    phone="+1 000",
                    head_name="Head",
                    head_title="Director",
                    areas_of_work="Migration",
                )
                for number in range(ORGANIZATIONS)
            ),
            batch_size=1000,
        )
        for call, count in ((large, PARTICIPANTS), (small, SMALL), (tiny, 10)):
            meetings = [
                MeetingFactory(call=call, title=f"{call.title}: meeting {number}")
                for number in range(3)
            ]
            add_representatives(call, count, organizations=organizations, meetings=meetings)
        analyze()
        with connection.cursor() as cursor:
            for table in (
                Representative._meta.db_table,
                Representative.meetings.through._meta.db_table,
            ):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        assert Representative.objects.filter(call=large).count() == PARTICIPANTS
        return {"large": large, "small": small, "tiny": tiny, "office": people.pga_office()}


def _status_kb(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def _read(response) -> tuple[int, int, int]:
    """Read the stream piece by piece, as a server sends it, keeping none of it:
    (bytes, pieces, lines)."""
    size = pieces = lines = 0
    for piece in response.streaming_content:
        size += len(piece)
        pieces += 1
        lines += piece.count(b"\n")
    return size, pieces, lines


def _csv_url(call) -> str:
    return reverse("reviews:office_participants_export", args=[call.slug, "csv"])


def test_participants_csv_of_100000_streams_in_little_memory(benchmark, db, participants, report):
    client = sign_in(Client(), participants["office"])
    url = _csv_url(participants["large"])
    # Warmed up on ten participants (imports, translations, the session), not on the
    # 100,000: the first round measured is the first read of the large file.
    content_of(client.get(_csv_url(participants["tiny"])))
    increases = []

    def resident():
        """The resident set's growth while the stream is read, without tracemalloc's own."""
        response = client.get(url)
        gc.collect()
        before = _status_kb("VmRSS")
        # "5" resets the peak resident set (VmHWM) to the current one.
        CLEAR_REFS.write_text("5")
        started = time.perf_counter()
        size, pieces, lines = _read(response)
        seconds = time.perf_counter() - started
        peak = _status_kb("VmHWM")
        increases.append((peak - before) * 1024)
        return {
            "bytes": size,
            "pieces": pieces,
            "lines": lines,
            "seconds": seconds,
        }

    measured = benchmark.pedantic(resident, rounds=3, warmup_rounds=0)

    # The Python heap's peak, in a round of its own: tracemalloc slows every allocation and
    # keeps its own records, which would count in the resident set.
    response = client.get(url)
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _peak = tracemalloc.get_traced_memory()
        size, _pieces, _lines = _read(response)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    heap_increase = peak - baseline

    benchmark.extra_info.update(
        {
            "participants": PARTICIPANTS,
            "csv_bytes": measured["bytes"],
            "csv_pieces": measured["pieces"],
            "rss_increase_mb_per_round": [round(value / MB, 1) for value in increases],
            "tracemalloc_peak_increase_mb": round(heap_increase / MB, 1),
            "read_seconds_last_round": round(measured["seconds"], 2),
        }
    )
    report(
        f"CSV of {PARTICIPANTS:,} participants: {measured['bytes'] / MB:.1f} MB in "
        f"{measured['pieces']:,} pieces; resident set +{max(increases) / MB:.1f} MB at most "
        f"({', '.join(f'{value / MB:.1f}' for value in increases)} MB by round), "
        f"Python heap peak +{heap_increase / MB:.1f} MB (limit {MEMORY_LIMIT / MB:.0f} MB each)"
    )
    assert size == measured["bytes"]
    assert measured["lines"] == PARTICIPANTS + 1
    assert max(increases) < MEMORY_LIMIT
    assert heap_increase < MEMORY_LIMIT


@pytest.mark.parametrize("file_format", ["xlsx", "pdf"])
def test_participants_file_of_3000(benchmark, db, participants, file_format, report):
    client = sign_in(Client(), participants["office"])
    url = reverse(
        "reviews:office_participants_export", args=[participants["small"].slug, file_format]
    )

    growth = []

    def fetch():
        gc.collect()
        before = _status_kb("VmRSS")
        CLEAR_REFS.write_text("5")
        response = client.get(url)
        data = content_of(response)
        growth.append((_status_kb("VmHWM") - before) * 1024)
        return response, data

    # The PDF lays out 3,000 people on some hundred pages: one round is enough to read.
    rounds = 1 if file_format == "pdf" else 3
    response, data = benchmark.pedantic(fetch, rounds=rounds, warmup_rounds=0)

    # Not asserted: WeasyPrint lays the PDF out whole, in memory.
    benchmark.extra_info.update(
        {
            "participants": SMALL,
            "bytes": len(data),
            "rss_increase_mb_per_round": [round(value / MB, 1) for value in growth],
        }
    )
    report(
        f"{file_format.upper()} of {SMALL:,} participants: {len(data) / MB:.1f} MB; resident "
        f"set +{', '.join(f'{value / MB:.0f}' for value in growth)} MB by round"
    )
    assert response.status_code == 200
    assert len(data) > 10_000
