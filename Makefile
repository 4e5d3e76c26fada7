# Focused Care: `make run` serves the demo clinic, `make test` runs the whole suite.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: one per core (each gets its own test database).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# The first Python >= 3.12 found: $(PYTHON) if given, then PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: help run test bench lint lock fmt install clean backup restore

help: ## Show the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Every dependency, direct and transitive, pinned with its hashes (`make lock` writes it).
LOCK := requirements.lock

$(STAMP): pyproject.toml $(LOCK)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Focused Care needs Python 3.12 or newer, and none was found."; \
	  echo "Install one (python.org, your package manager, or 'pyenv install 3.13'),"; \
	  echo "or point to it: make PYTHON=/path/to/python3.13 $(MAKECMDGOALS)"; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	@touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install everything

run: $(STAMP) ## Serve the demo clinic on http://127.0.0.1:8000 (SQLite, development mode)
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Emails are printed here by the worker (send_pending_emails) running beside the server."
	DEBUG=true $(BIN)/python manage.py send_pending_emails --loop & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP) ## Run the whole test suite (PostgreSQL when DATABASE_URL says so)
	$(BIN)/python -m pytest -n $(JOBS) -m "not transactional"
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -m transactional

# Not part of `make test`: minutes of load on the machine (bench/README.md). With DATABASE_URL set
# to PostgreSQL it measures there; BENCH_ARGS=--quick checks the harness in two minutes.
bench: $(STAMP) ## Measure every page under load with wrk, as a share of a bare Django view
	$(BIN)/python bench/load.py $(BENCH_ARGS)

lock: $(STAMP) ## Pin every dependency with hashes in requirements.lock, after editing pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
	  --python-version 3.12 --quiet --no-header -o $(LOCK)

lint: $(STAMP) ## Lint, format, types, security scan and migration check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive booking content focusedcare
	$(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP) ## Format and fix what ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

backup: $(STAMP) ## Back up the database and media to var/backups/ (FILE=... for another name)
	$(BIN)/python manage.py backup_data $(FILE)

restore: $(STAMP) ## Replace all data with a backup: make restore FILE=var/backups/... [YES=1]
	@if [ -z "$(FILE)" ]; then echo "Say which backup: make restore FILE=var/backups/<name>"; exit 2; fi
	$(BIN)/python manage.py restore_data "$(FILE)" $(if $(YES),--yes)

# The secret key stays: it is not demo data, and an installation that relies on the generated
# one would lose its sessions and signed links. Uploaded photos (var/media) stay too.
clean: ## Remove the virtual environment, local data and the demo database (var/db.sqlite3)
	rm -rf $(VENV) var/static var/test.sqlite3*
	rm -f var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm
