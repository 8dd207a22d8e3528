"""What the benchmarks measured besides time, reported at the end of ``make bench``."""

import pytest

MEASURED = pytest.StashKey[list[str]]()


@pytest.fixture
def report(request):
    """``report(line)``: a line for the run's summary (memory, sizes), under its test's name."""
    lines = request.config.stash.setdefault(MEASURED, [])
    return lambda line: lines.append(f"{request.node.name}: {line}")


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(MEASURED, [])
    if lines:
        terminalreporter.section("measured besides time")
        for line in lines:
            terminalreporter.write_line(line)
