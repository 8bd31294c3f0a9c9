# Smallbatch: the two commands are `make run` and `make test`; `make help` lists the rest.
#
# Works on a fresh Debian or Ubuntu machine with only Python 3.11+ and make: the first target
# that needs it creates .venv and installs the project with its dev extra. The install is
# redone only when pyproject.toml changes (stamp file .venv/.installed).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k directory -x"`.
PYTEST_ARGS ?=

.PHONY: help install run test worker beat lint fmt bench load clean

help: ## Show this help
	@echo "Smallbatch — make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  make %-8s %s\n", $$1, $$2}'
	@echo
	@echo "Quick start: 'make run' (serves the demo network), 'make test' (runs the suite)."
	@echo "Configuration: environment variables, all listed in .env.example."

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "error: Smallbatch needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo "not found")." >&2; \
		echo "       Install it, or point make at one: make PYTHON=python3.12 ..." >&2; \
		exit 1; }
	@echo "==> creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		echo "==> '$(PYTHON) -m venv' is unavailable; trying virtualenv instead"; \
		$(PYTHON) -m pip install --user --quiet virtualenv && $(PYTHON) -m virtualenv --quiet $(VENV); \
	} || { \
		rm -rf $(VENV); \
		echo "error: cannot create $(VENV): run 'sudo apt-get install python3-venv' and try again." >&2; \
		exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing Smallbatch and its dev tools into $(VENV)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv and install (only again when pyproject.toml changes)

run: export DEBUG ?= 1
run: $(STAMP) ## Migrate, load the demo network on first run, serve on http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty --compute
	@echo
	@echo "  Smallbatch is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-smallbatch-demo}):"
	@echo "    organizer  — a network weaver: sees 'organizers only' people"
	@echo "    member     — an ordinary member"
	@echo "    admin      — staff: the admin at http://$(HOST):$(PORT)/admin/"
	@echo "    broker, target — the member's best contact, and someone the member can reach through them"
	@echo "  Celery: $${REDIS_URL:+a real worker on $$REDIS_URL (start one with 'make worker')}$${REDIS_URL:-eager (tasks run inside the web process)}"
	@echo "  Stop with Ctrl-C. Start over with a fresh demo network: rm -r var/ && make run"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP) ## Run the whole suite (SQLite, eager Celery unless DATABASE_URL/REDIS_URL are set)
	$(BIN)/pytest $(PYTEST_ARGS)

worker: $(STAMP) ## Start a Celery worker (needs REDIS_URL=redis://...)
	@test -n "$$REDIS_URL" || { \
		echo "error: 'make worker' needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker);" >&2; \
		echo "       without it Celery runs eagerly inside the web process and needs no worker." >&2; \
		exit 1; }
	$(BIN)/celery -A network_app worker -l info

beat: $(STAMP) ## Start Celery beat, the periodic task scheduler (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "error: 'make beat' needs REDIS_URL=redis://..." >&2; exit 1; }
	@mkdir -p var
	$(BIN)/celery -A network_app beat -l info --schedule var/celerybeat-schedule

lint: $(STAMP) ## ruff check, ruff format --check, mypy, makemigrations --check, OpenAPI schema
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TESTING=1 $(BIN)/mypy
	TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run
	TESTING=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

fmt: $(STAMP) ## Format the code and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## Run the path-finding benchmark (bench/)
	@if [ -d bench ]; then \
		$(BIN)/python -m bench; \
	else \
		echo "No benchmark yet: bench/ lands with the paths issue."; \
	fi

load: $(STAMP) ## Load test: gunicorn + wrk on the 100,000-person demo network (PostgreSQL, Redis)
	@command -v wrk >/dev/null 2>&1 || { \
		echo "==> installing wrk (Debian's package)"; \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } 2>/dev/null || { \
			echo "error: 'make load' needs wrk and could not install it: run 'apt-get install wrk' as root." >&2; \
			exit 1; }; }
	$(BIN)/python -m bench.load

clean: ## Remove .venv, caches and collected static files (keeps the database in var/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis staticfiles *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
