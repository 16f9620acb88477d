# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run   - install, migrate, create the demo project, serve on 127.0.0.1:8080 (SQLite)
#   make test  - install with the dev extra and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: help install dev run test lint typecheck migrations bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## create .venv and install the product

dev: $(VENV)/.installed-dev ## create .venv and install with the dev extra

run: install ## migrate, ensure the demo project, serve on $(HOST):$(PORT)
	$(BIN)/helpdesk migrate
	$(BIN)/helpdesk demo --host $(HOST) --port $(PORT)
	$(BIN)/helpdesk serve --host $(HOST) --port $(PORT)

test: dev ## run the whole test suite (SQLite, in-memory state)
	$(BIN)/python -m pytest

lint: dev ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy .

migrations: dev ## write a migration for model changes
	$(BIN)/tortoise makemigrations

bench: dev ## run the benchmarks (see bench/README.md)
	@for b in bench/*.py; do case $$b in */__init__.py) ;; *) $(BIN)/python -m bench.$$(basename $$b .py) || exit 1;; esac; done

clean: ## remove the virtualenv and local database
	rm -rf $(VENV) helpdesk.sqlite3*
