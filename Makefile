# ita-monitor: `make demo` runs one complete round of the sample agency; `make test` runs every test.
# Both set everything up first (Debian packages when root or with sudo, .venv, locked packages,
# the Airflow metadata DB on SQLite) and can be run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__ITA__AGENCIES_DIR ?= $(CURDIR)/include/agencies
export AIRFLOW__ITA__DATA_ROOT ?= file://$(CURDIR)/var/data
# The agencies' DAG files (dags/ita_agencies/, `ita-monitor dags sync`, run by setup and `ita-monitor
# validate`) change only when their agencies do; the dag-processor parses a file again only when it is
# newer than its last parse (docs/production.md "Many agencies").
export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL ?= 86400
export AIRFLOW__DAG_PROCESSOR__FILE_PARSING_SORT_MODE ?= modified_time
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL ?= 60

# Debian packages: Thai fonts, poppler (pdftotext/pdffonts/pdftoppm), WeasyPrint's Pango/HarfBuzz,
# and the real services the integration tests start (see scripts/services/).
DEB_RUNTIME := python3 python3-venv fonts-thai-tlwg poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libthai0
DEB_TEST := $(DEB_RUNTIME) libreoffice-calc-nogui openssh-server nginx wordpress php-cli php-mysql chromium chromium-driver dovecot-imapd

.PHONY: setup setup-test system system-test demo test lint bench previews lock clean airflow-ui

var/.system-runtime:
	@scripts/install-debian.sh $(DEB_RUNTIME)
	@mkdir -p var && touch $@

var/.system-test: var/.system-runtime
	@scripts/install-debian.sh $(DEB_TEST)
	@touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The run-time lock and the test tools' lock together (the Docker image installs requirements.lock only).
$(VENV)/.installed: requirements.lock requirements-test.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock -r requirements-test.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(AIRFLOW_HOME)/airflow.db: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/migrate.log; exit 1)

setup: var/.system-runtime $(VENV)/.installed $(AIRFLOW_HOME)/airflow.db
	@$(BIN)/ita-monitor dags sync

setup-test: var/.system-test setup

demo: setup
	@PATH=$(CURDIR)/$(BIN):$$PATH scripts/demo.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests bench scripts plugins
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/core/test_module_size.py

# Two pytest processes at once, one per core: tests/core and tests/deploy start no service, so they run
# beside tests/airflow and tests/integration, whose live services and Airflow processes take fixed ports
# and run one after another.  The live tests report here as they go; the others' report follows
# (var/test-core.log).  `make test` fails when either fails.
test: setup-test lint
	@export PATH=$(CURDIR)/$(BIN):$$PATH; \
	$(BIN)/python -m pytest tests/core tests/deploy $(PYTEST_ARGS) > var/test-core.log 2>&1 & core=$$!; \
	$(BIN)/python -m pytest tests/airflow tests/integration $(PYTEST_ARGS); live=$$?; \
	wait $$core; other=$$?; \
	echo "=== tests/core and tests/deploy (var/test-core.log) ==="; cat var/test-core.log; \
	echo "=== live tests: exit $$live; tests/core and tests/deploy: exit $$other ==="; \
	[ $$live = 0 ] && [ $$other = 0 ]

bench: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python bench/run.py

previews: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/previews.sh

# The Airflow UI on http://127.0.0.1:8080 with this project's DAGs (user admin; the password is printed).
airflow-ui: setup
	AIRFLOW__CORE__PARALLELISM=4 AIRFLOW__API__HOST=127.0.0.1 PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/airflow standalone

# Regenerate requirements.lock (the closure of pyproject.toml's `dependencies`) and requirements-test.lock
# (what the `test` extra adds) in a throwaway venv, with the current pins as constraints: without changes
# it reproduces both files; after editing pyproject.toml it pins what was added.  UPGRADE="pkg ..." lifts
# those pins (UPGRADE=all: every pin).  Needs Python 3.11 and the package index; see scripts/lock.py.
lock:
	UPGRADE="$(UPGRADE)" $(PYTHON) scripts/lock.py

clean:
	rm -rf var previews
