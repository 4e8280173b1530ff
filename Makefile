# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KRUZHOK := $(BIN)/kruzhok
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Unit tests use a fast password hasher; argon2 stays the default everywhere else.
TEST_ENV := KRUZHOK_FAST_PASSWORD_HASHER=1

.PHONY: run install chromium migrate demo test lint typecheck test-sqlite test-postgres bench-ledger clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium headless (never `playwright install`), and the invoices'
# PDFs are read back by poppler's pdftotext (billing/tests/test_documents.py): both installed
# here when missing, as root only; otherwise the tests say what to install.
CHROMIUM := /usr/bin/chromium
PDFTOTEXT := /usr/bin/pdftotext
chromium:
	@test -x $(CHROMIUM) -a -x $(PDFTOTEXT) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else \
	    echo "chromium: $(CHROMIUM) or $(PDFTOTEXT) is missing; install Debian's chromium and poppler-utils packages (as root)" >&2; \
	  fi; \
	}

migrate: install
	$(KRUZHOK) migrate --noinput

demo: migrate
	$(KRUZHOK) demo_load

# The e-mail worker and the tasks worker (a month close runs there) run beside the development
# server and stop with it.
run: demo
	@echo "Портал: http://$(HOST):$(PORT)/"
	export KRUZHOK_SITE_URL="$${KRUZHOK_SITE_URL:-http://$(HOST):$(PORT)}"; \
	  $(KRUZHOK) notifications_send --loop & mail=$$!; \
	  $(KRUZHOK) db_worker & tasks=$$!; \
	  trap 'kill $$mail $$tasks 2>/dev/null' EXIT; \
	  $(KRUZHOK) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test-sqlite: install chromium
	$(TEST_ENV) $(BIN)/pytest -m "not slow"

test-postgres: install chromium
	$(TEST_ENV) scripts/with-postgres.sh $(BIN)/pytest -m "not slow"

test: lint typecheck test-sqlite test-postgres

# The README's 390-px pictures (docs/screenshots/): the demo on a fixed day in a throwaway
# database, photographed by the system Chromium.
screenshots: install chromium
	$(BIN)/python scripts/screenshots.py

# Benchmarks install the `bench` extra (locust) beside `dev`; none of them is part of `make test`.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The rush (issue 4): 5,000 parents apply at once over HTTP to gunicorn on a throwaway
# PostgreSQL; audits seats and waiting lines; the same rush followed as a browser does, and
# the session-only page for the framework's ceiling; runs `kruzhok ledger check` and pgbench.
.PHONY: bench-rush
bench-rush: $(BENCH_STAMP)
	scripts/with-postgres.sh $(BIN)/python bench/rush.py

# The rush as parents make it (issue 15): a region's catalogue (20,000 programs, 40,000 groups)
# and 5,000 logged-in families on a throwaway PostgreSQL; the catalogue, program pages and a
# documented mix (~10 page views per application, enrolment opening halfway) beside the
# session-only page; the workers share a throwaway Redis cache (ARGS="--cache locmem" gives
# each its own, "--cache both" compares the two); audits seats, runs pgbench. Last line:
# `browse: programs=… ceiling_rps=… catalog_rps=… program_rps=… mix_rps=… mix_p99_ms=…
# applications=… overbooked=… errors_5xx=…`.
# ARGS=--quick is a smoke run (2,000 programs, short rounds).
.PHONY: bench-browse
bench-browse: $(BENCH_STAMP)
	scripts/with-postgres.sh $(BIN)/python bench/browse.py $(ARGS)

# The public API's catalogue search at a region's scale (issue 14): 20,000 published programs
# seeded in bulk as bench-browse does, gunicorn on a throwaway PostgreSQL, GET
# /api/v1/catalog/programs with a mix of searches, filters and cursors — one client for the
# latency, several for the throughput — and the region's Navigator package timed. Last line:
# `api: programs=… search_p50_ms=… search_p95_ms=… rps=…` (target p95 ≤ 50 ms). ARGS=--quick.
.PHONY: bench-api
bench-api: $(BENCH_STAMP)
	scripts/with-postgres.sh $(BIN)/python bench/api.py $(ARGS)

# The ledger's throughput (issues 3, 10): transfers per second through the ledger from worker
# processes beside the same statements in raw SQL from as many processes (the floor: ratio
# below 1), on SQLite and then on a throwaway PostgreSQL, whose figures end the output:
# `ledger: db=postgresql many_tps=… hot_tps=… raw_tps=… ratio=…`.
bench-ledger: install
	$(BIN)/python bench/ledger.py
	scripts/with-postgres.sh $(BIN)/python bench/ledger.py

# What each hand-written statement of the rush buys (issue 9): CPU per application by hand and
# through the ORM, on a throwaway PostgreSQL: `rawsql: total_ms_sql=… orm=… saved=…`.
.PHONY: bench-rawsql
bench-rawsql: install
	scripts/with-postgres.sh $(BIN)/python bench/rawsql_cost.py

# The month close at a region's scale (issue 10): `bench/region.py` generates 100,000 children
# with 150,000 contracts and a month of attendance (1.6 million marks) in bulk on a throwaway
# PostgreSQL, then every municipality's month is closed by `kruzhok billing close-month`, timed
# beside one set-based query of the same per-provider totals (the floor), its peak memory read,
# its invoices compared with the query's totals: `billing: children=… contracts=… marks=…
# wall_s=… sql_s=… ratio=… peak_mb=… totals_match=…`. ARGS passes options (--children 450000).
.PHONY: bench-billing
bench-billing: install
	scripts/with-postgres.sh $(BIN)/python bench/billing.py $(ARGS)

# The operator's pages on a generated region (100,000 children by default): the home page,
# every register, a surname and a СНИЛС search, the audit log and an XLSX export, each timed
# in-process as a regional administrator and as the largest municipality's operator: `oversight:
# children=… home_ms=… register_ms_max=… export_ms=… queries_max=…`.
.PHONY: bench-oversight
bench-oversight: install
	scripts/with-postgres.sh $(BIN)/python bench/oversight.py $(ARGS)
# The operator's reports at a region's scale (issue 11): `bench/region.py` generates the region,
# the population figures are entered, and the dashboard and the coverage page are requested as a
# regional administrator and as an operator: `reports: children=… dashboard_ms=… coverage_ms=…
# queries=…` (target < 2,000 ms at 100,000 children). ARGS passes options (--children 20000).
.PHONY: bench-reports
bench-reports: install
	scripts/with-postgres.sh $(BIN)/python bench/reports.py $(ARGS)

clean:
	rm -rf $(VENV) kruzhok.sqlite3* staticfiles
