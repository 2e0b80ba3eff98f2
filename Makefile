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

# Sets everything up, then serves the product with the background worker beside it.
run: demo search-engine
	$(BIN)/python manage.py search_reindex
	@echo "Admin: http://$(HOST):$(PORT)/admin/  (logins printed above by seed_demo)"
	$(BIN)/python manage.py db_worker & trap "kill $$! 2>/dev/null" EXIT; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=cms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Sets everything up and runs every check and test (DATABASE_URL selects PostgreSQL; SQLite otherwise).
test: check search-engine
	$(BIN)/pytest $(PYTEST_ARGS)
