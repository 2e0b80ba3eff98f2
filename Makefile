# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate demo check lint worker search-engine

# Search needs Elasticsearch: a local node (tools/elasticsearch) unless ELASTICSEARCH_URL names a cluster.
ifeq ($(strip $(ELASTICSEARCH_URL)),)
export ELASTICSEARCH_URL := http://127.0.0.1:$(or $(ES_PORT),9201)
START_LOCAL_ENGINE := yes
endif

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed
	bin/system-packages
	mkdir -p var

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Downloads (once, from Maven Central) and starts the local node unless ELASTICSEARCH_URL was given.
search-engine: setup
ifeq ($(START_LOCAL_ENGINE),yes)
	$(BIN)/python -m tools.elasticsearch start
endif

ifeq ($(START_LOCAL_ENGINE),yes)
ENGINE_NOTE := The local Elasticsearch node ($(ELASTICSEARCH_URL)) keeps running for the next make run \
	or make test; stop it with: $(BIN)/python -m tools.elasticsearch stop
else
ENGINE_NOTE := Elasticsearch at $(ELASTICSEARCH_URL) was not started by make run and is left as it is.
endif

# Sets everything up, then serves the product with the background worker and the scheduler beside it
# (bin/serve). seed_demo's login table is held back and printed last, so the index build and the
# worker cannot scroll it away.
run: migrate search-engine
	@echo "Loading the demo brand (about a minute on the first run)..."
	@logins="$$($(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT))" && \
	$(BIN)/python manage.py search_reindex && \
	LOGINS="$$logins" ENGINE_NOTE="$(ENGINE_NOTE)" PYTHON=$(BIN)/python bin/serve $(HOST):$(PORT)

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Sets everything up and runs every check and test (DATABASE_URL selects PostgreSQL; SQLite otherwise).
test: check search-engine
	$(BIN)/pytest $(PYTEST_ARGS)
