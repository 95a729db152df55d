# Okno — the two commands a newcomer needs:
#   make run    set everything up and run Okno at http://127.0.0.1:8000 with demo data
#   make test   install what the tests need and run lint and the whole suite
#               (SQLite, then PostgreSQL, plus the browser tests)

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/okno
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint test-sqlite test-pg bench assets deps deps-dev system-deps messages format clean

$(VENV)/.runtime: requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

okno/web/assets/vendor/.built: node_modules/.installed scripts/build-assets.sh
	sh scripts/build-assets.sh
	touch $@

deps: $(VENV)/.runtime assets
deps-dev: $(VENV)/.dev assets
assets: okno/web/assets/vendor/.built

messages: $(VENV)/.runtime
	@command -v msgfmt >/dev/null || sh scripts/system-deps.sh gettext
	cd okno && ../$(PY) ../manage.py compilemessages -v 0

run: deps
	$(VENV)/bin/okno run --host $(HOST) --port $(PORT)

system-deps:
	sh scripts/system-deps.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check okno bench conftest.py
	$(VENV)/bin/ruff format --check okno bench conftest.py

test-sqlite: deps-dev messages
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -q -n 2

test-pg: deps-dev messages
	@DB="$${DATABASE_URL:-$(PG_URL)}"; \
	if sh scripts/ensure-postgres.sh "$$DB"; then \
		DATABASE_URL="$$DB" $(VENV)/bin/pytest -q -n 2 -m "not browser"; \
	else \
		echo ""; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!  NO POSTGRESQL: the PostgreSQL pass of the suite did NOT run.      !!"; \
		echo "!!  Set DATABASE_URL or install PostgreSQL on 127.0.0.1:5432.         !!"; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

test: system-deps lint test-sqlite test-pg

bench: deps-dev
	$(PY) bench/all.py $(BENCH_ARGS)

format: $(VENV)/.dev
	$(VENV)/bin/ruff format okno bench conftest.py
	$(VENV)/bin/ruff check --fix okno bench conftest.py

clean:
	rm -rf $(VENV) node_modules okno/web/assets/vendor var/static
