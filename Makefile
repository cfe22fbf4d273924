# 一网通办 — Internet + Government Services platform.
#   make run    the whole platform in one process on http://127.0.0.1:8000 (SQLite, demo data)
#   make test   unit, integration and end-to-end tests on real PostgreSQL and Apache Kafka

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PACKAGES := -e libs/common -e services/portal-gateway -e services/service-management \
            -e services/business-systems -e services/data-sharing -e standalone
STAMP  := $(VENV)/.installed

.PHONY: run test test-unit lint constraints infra-up infra-down clean help

help:
	@echo "make run | make test | make test-unit | make lint | make infra-up | make infra-down | make clean"

$(STAMP): libs/common/pyproject.toml services/*/pyproject.toml standalone/pyproject.toml requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m gov_standalone --host 127.0.0.1 --port 8000 --var-dir var

infra-up:
	scripts/infra/postgres.sh start
	scripts/infra/kafka.sh start

infra-down:
	-scripts/infra/kafka.sh stop
	-scripts/infra/postgres.sh stop

test: $(STAMP) infra-up
	GOV_TEST_PG_URL="$$(scripts/infra/postgres.sh url)" \
	GOV_TEST_KAFKA_BOOTSTRAP="$$(scripts/infra/kafka.sh bootstrap)" \
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check libs services standalone tests
	$(VENV)/bin/ruff format --check libs services standalone tests
	$(VENV)/bin/mypy libs/common/src services/*/src standalone/src

constraints: $(STAMP)
	(echo "# Every transitive dependency, pinned: pip install -c constraints.txt (regenerate with make constraints)."; \
	 $(VENV)/bin/pip freeze --exclude-editable | grep -v '^-e' | sort) > constraints.txt

clean:
	rm -rf var/*.db var/*.db-* var/keys test-output
