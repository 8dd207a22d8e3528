"""Rules of the code's layout that a change could break without any page noticing.

The apps' import order itself is checked by import-linter (`make lint`, pyproject.toml).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"accounts", "events", "accreditation", "reviews"}
MIGRATIONS = sorted(path for app in APPS for path in (ROOT / app / "migrations").glob("0*.py"))
# Django writes references to these into a migration for a field's options (upload_to,
# validators, managers): the migration names them, it runs none of them.
FIELD_OPTION_MODULES = {"models", "validators"}


def live_code_used(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in APPS:
            found.append(f"line {node.lineno}: from {node.module} import …")
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in APPS and parts[-1] not in FIELD_OPTION_MODULES:
                    found.append(f"line {node.lineno}: import {alias.name}")
        # What a data migration runs must not reach the apps' code, only historical models.
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and inner.id in APPS:
                    found.append(f"line {inner.lineno}: {node.name}() uses {inner.id}")
    return found


@pytest.mark.parametrize(
    "path", MIGRATIONS, ids=lambda path: f"{path.parent.parent.name}/{path.name}"
)
def test_migrations_import_no_live_code(path):
    assert live_code_used(path) == []


def test_the_check_finds_live_code_in_a_migration(tmp_path):
    migration = tmp_path / "0009_example.py"
    migration.write_text(
        "from accreditation.names import normalize_name\n"
        "import accreditation.models\n"
        "def forwards(apps, schema_editor):\n"
        "    accreditation.services.snapshot(None)\n"
    )
    assert live_code_used(migration) == [
        "line 1: from accreditation.names import …",
        "line 4: forwards() uses accreditation",
    ]
