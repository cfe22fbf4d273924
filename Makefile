# 一网通办 — Internet + Government Services platform.
#   make run    the whole platform in one process on http://127.0.0.1:8000 (SQLite, demo data)
#   make test   unit, integration and end-to-end tests on real PostgreSQL and Apache Kafka
#   make bench  the throughput benchmark (docs/benchmark.md); BENCH_ARGS="--standalone", "--replicas 2", ...
#   make chaos  the fault-injection suite (docs/chaos.md); CHAOS_ARGS="--rate 10", "--faults kill:kafka", ...

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PACKAGES := -e libs/common -e services/portal-gateway -e services/service-management \
            -e services/business-systems -e services/data-sharing -e standalone \
            -e plugins/amr-handlers -e plugins/handler-template
NPM    ?= npm
STAMP  := $(VENV)/.installed
# The Python packages are installed by uv (pinned here), the same pinned set pip installed from constraints.txt in
# about a fifth of the time on a fresh machine (15 s against 77 s with empty caches, 2026-12-07): make test's first phase.
UV_VERSION := 0.13.10
# Python keeps the bytecode of what it imports (__pycache__), whatever the environment says: with
# PYTHONDONTWRITEBYTECODE set, as some machines' images have it, every process the tests start compiled its imports
# again from source — a distributed platform's start took 43 CPU s instead of 19, the standalone one's 10.4 instead
# of 5.7 (2026-12-08). The images (services/*/Dockerfile) compile theirs when they are built.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-python test-python-run test-ui-unit test-ui-e2e test-ui-deps test-ui-unit-run test-ui-run test-unit openapi bench bench-warehouse chaos fuzz test-ui test-oidc-provider ui lint constraints infra-up infra-down deploy-tools up down clean help

help:
	@echo "make run | make test | make test-unit | make bench | make chaos | make lint | make infra-up | make infra-down | make up | make down | make clean"

$(STAMP): libs/common/pyproject.toml services/*/pyproject.toml standalone/pyproject.toml plugins/*/pyproject.toml \
          requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP) ui/dist/index.html
	$(PY) -m gov_standalone --host 127.0.0.1 --port 8000 --var-dir var

# The web UI is built when missing (make run) and always by make test; Node.js 20.19+ is needed.
ui/dist/index.html:
	$(MAKE) ui

ui:
	@command -v $(NPM) >/dev/null || { echo "Node.js 20.19+ with npm is needed to build the web UI (ui/)"; exit 1; }
	cd ui && $(NPM) ci && $(NPM) run build

test-ui: $(STAMP) test-oidc-provider
	$(MAKE) --no-print-directory test-ui-unit
	$(MAKE) --no-print-directory test-ui-e2e

# The UI's unit tests and its build (which its Playwright scenarios, test-ui-e2e, serve).
test-ui-unit: test-ui-deps
	$(MAKE) --no-print-directory test-ui-unit-run

# make test's two halves of the UI: its packages (which the Python tests read too: the AsyncAPI schema), then its
# unit tests, its build and its scenarios, one after the other beside pytest.
test-ui-deps:
	cd ui && $(NPM) ci

test-ui-unit-run:
	cd ui && $(NPM) run test:unit && $(NPM) run build

test-ui-run: test-ui-unit-run
	$(MAKE) --no-print-directory test-ui-e2e

# The suite signs in thousands of times: the gateway hashes secrets with a cheap argon2 profile in it
# (GW_PASSWORD_HASH=fast, portal_gateway/passwords.py; refused in production). make run and make bench do not.
TEST_HASH = GW_PASSWORD_HASH=fast

test-ui-e2e:
	cd ui && $(TEST_HASH) $(NPM) run test:e2e

# The real OpenID provider the gateway's sign-in tests start (panva/oidc-provider, pinned by its lock).
test-oidc-provider:
	cd tests/oidc_provider && $(NPM) ci --no-audit --no-fund

infra-up:
	scripts/infra/postgres.sh start
	scripts/infra/kafka.sh start

infra-down:
	-scripts/infra/kafka.sh stop
	-scripts/infra/postgres.sh stop

# Two phases, each of jobs that share no files (make -j), their output interleaved as it comes: the packages (the
# Python virtualenv's, the UI's, the OpenID provider's), PostgreSQL, Kafka and the deploy tools, mostly downloads and
# none of them needing another (the deploy tools have a virtualenv of their own); then the UI's unit tests,
# build and Playwright scenarios (the standalone platform on SQLite, free loopback ports), one after the other,
# beside the Python tests (PostgreSQL databases and Kafka topic namespaces of their own, free loopback ports): pytest
# starts as soon as its servers are, not after the UI's build. pytest runs on PYTEST_WORKERS pytest-xdist workers
# (auto: one per core, at most 4; 0: in one process), each test file on one worker (--dist loadfile: its
# module-scoped fixtures are built once; each worker starts the e2e platforms it needs once), the longest first
# (tests/conftest.py, --no-loadscope-reorder). Not --dist loadgroup: with pytest 9.2 the
# xdist_group marks are ignored (pytest-xdist 3.8 renames `item._nodeid`, which pytest 9.2 no longer reads).
# TEST_JOBS=1 runs the second phase's two one after the other (the UI's, then pytest).
PYTEST_WORKERS ?= auto
TEST_JOBS ?= 2

test:
	$(MAKE) --no-print-directory -j5 $(STAMP) test-ui-deps test-oidc-provider infra-up deploy-tools
	$(MAKE) --no-print-directory -j$(TEST_JOBS) test-ui-run test-python-run

test-python: $(STAMP) test-oidc-provider infra-up deploy-tools
	$(MAKE) --no-print-directory test-python-run

test-python-run:
	$(TEST_HASH) \
	GOV_TEST_PG_URL="$$(scripts/infra/postgres.sh url)" \
	GOV_TEST_KAFKA_BOOTSTRAP="$$(scripts/infra/kafka.sh bootstrap)" \
	GOV_TEST_KAFKA_SASL="$$(scripts/infra/kafka.sh sasl)" \
	$(PY) -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder --durations 25

deploy-tools:
	scripts/deploy/tools.sh

# Single host with docker compose (needs a Docker engine): see deploy/README.md.
up:
	@test -f .env || { echo "make up: copy .env.example to .env and replace its change-me values (deploy/README.md)"; exit 1; }
	scripts/deploy/gen-keys.sh
	docker compose up -d --build

down:
	docker compose down

# The API contract after an endpoint changed (docs/api.md, ui/README.md "Wire types"): the services' documents the
# gateway forwards by, the public document the UI is typed from (ui/openapi/public.json), the generated TypeScript;
# and the events' AsyncAPI document from their models (docs/events.md, docs/asyncapi.json).
openapi: $(STAMP)
	$(PY) -m portal_gateway.routes.generate
	$(PY) -m gov_common.contracts.asyncapi
	$(PY) scripts/export_openapi.py
	cd ui && $(NPM) run api:types

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

# The throughput benchmark (docs/benchmark.md): the platform on the project's PostgreSQL and Kafka, stepped open-loop
# load through the public API, the bare Kafka + PostgreSQL chain for comparison; stops by itself within ~10 minutes.
# Figures and chart under test-output/bench/. BENCH_ARGS: --standalone, --rates 10,50,100 --seconds 30, --replicas 2.
bench: $(STAMP) infra-up
	GOV_TEST_PG_URL="$$(scripts/infra/postgres.sh url)" \
	GOV_TEST_KAFKA_BOOTSTRAP="$$(scripts/infra/kafka.sh bootstrap)" \
	$(PY) -m tests.bench $(BENCH_ARGS)

# The fault-injection suite (docs/chaos.md): kill -9 of each service, the broker and PostgreSQL, SIGSTOP and SIGTERM,
# under a steady load through the public API (15 cases/s; CHAOS_ARGS="--rate 20" for issue 14's rate); on a PostgreSQL
# and a Kafka of its own (var/infra-chaos, ports 25452 and 29152-29154, started and stopped by it), never the shared ones.
# Stops by itself within 10 minutes; exits 1 when a check fails. JSON under test-output/chaos/. CHAOS_ARGS: --rate 5,
# --faults kill:service-management,kill:kafka, --short.
chaos: $(STAMP)
	$(PY) -m tests.chaos $(CHAOS_ARGS)

# The warehouse's cockpit queries over a generated county year on PostgreSQL (docs/warehouse.md): a database of
# its own, 1,000,000 cases (a few minutes), each query against 500 ms. WAREHOUSE_ARGS: --cases 200000, --keep.
bench-warehouse: $(STAMP)
	scripts/infra/postgres.sh start
	GOV_TEST_PG_URL="$$(scripts/infra/postgres.sh url)" $(PY) -m tests.bench.warehouse $(WAREHOUSE_ARGS)

# schemathesis over the gateway's and every service's OpenAPI as a stranger, an applicant and an administrator,
# on a standalone platform of its own; fails on any 5xx. FUZZ_SECONDS (300) of fuzzing, FUZZ_SEED to repeat.
fuzz: $(STAMP)
	$(PY) -m tests.fuzz

lint: $(STAMP)
	$(VENV)/bin/ruff check libs services standalone plugins tests
	$(VENV)/bin/ruff format --check libs services standalone plugins tests
	$(VENV)/bin/mypy libs/common/src services/*/src standalone/src plugins/*/src
	$(VENV)/bin/lint-imports --no-cache

constraints: $(STAMP)
	(echo "# Every transitive dependency, pinned: pip install -c constraints.txt (regenerate with make constraints)."; \
	 $(VENV)/bin/pip freeze --exclude-editable | grep -v '^-e' | sort) > constraints.txt

clean:
	rm -rf var/*.db var/*.db-* var/keys test-output
