# Entry points. `make run` and `make test` work from a fresh clone with only Python 3.11+;
# `make test` also needs Chromium, Node.js and Java, and both need the PDF exports' Pango and
# fonts; each is installed from Debian's packages when run as root where it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# npm ci writes it; newer than package-lock.json once the pinned packages are in node_modules.
NODE_STAMP := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help run install install-dev pdf-libraries browser node-and-java node test test-fast bench lint fmt check migrations-check clean

help:
	@echo "make run      install, migrate, load the demo calls, serve on http://127.0.0.1:8000"
	@echo "make test     install the test requirements (Python, Chromium, Node packages, Java) and run the whole suite"
	@echo "make bench    time the pages that must stay fast at scale (DATABASE_URL picks the database)"
	@echo "make lint     ruff check, format check and the apps' import order (import-linter)"
	@echo "make fmt      ruff format and fix"
	@echo "make check    lint, migrations check and the whole suite (CI, .ci/run, also runs it on PostgreSQL)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP) $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

# The lists' PDF annex (WeasyPrint) needs Pango and fonts for Latin, Cyrillic, Arabic and
# Chinese names: the system's, else Debian's packages (as root).
pdf-libraries:
	@bash .ci/ensure-pdf-libraries.sh

run: install pdf-libraries
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The browser tests drive a real Chromium: the system's where there is one,
# else Debian's package (as root), else Playwright's own download.
browser: install-dev
	@bash .ci/ensure-browser.sh "$(PY)"

# The accessibility checks run axe-core in the browser and the Nu Html Checker (vnu.jar), both
# pinned in package-lock.json: Node.js installs them, Java runs the checker (the system's, else
# Debian's packages as root). --ignore-scripts: vnu-jar's install script would download a Java of
# its own when there is none; ours comes from the system.
node-and-java:
	@bash .ci/ensure-node-and-java.sh

$(NODE_STAMP): package.json package-lock.json | node-and-java
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

node: node-and-java $(NODE_STAMP)

test: install-dev browser node pdf-libraries
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

# Benchmarks are files named bench_*.py, outside the test run; they time, never assert time.
bench: install-dev
	$(PY) -m pytest tests/benchmarks -o python_files='bench_*.py' -p no:cacheprovider \
		--benchmark-columns=min,median,max,rounds --benchmark-sort=name $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install-dev
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

check: lint migrations-check test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles node_modules
