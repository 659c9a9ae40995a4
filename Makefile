# motcua: the two commands are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help install run test test-pg lint format bench messages clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## Create .venv and install the pinned dependencies (uv, else pip)
	@PYTHON=$(PYTHON) scripts/install

run: install ## Set up the embedded database, load the demo province, start web and worker
	@scripts/run

test: install ## Lint, Django checks, migration check, then the whole test suite
	@scripts/test

test-pg: install ## The test suite on a throwaway PostgreSQL (needs postgresql installed)
	@scripts/with-postgres scripts/test

lint: install ## ruff lint and format check
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: install ## Apply ruff formatting and safe fixes
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

bench: install ## Benchmarks (FULL=1 for the full sizes)
	@if [ -x bench/run ]; then FULL=$(FULL) bench/run; else echo "bench: none yet"; fi

messages: install ## Refresh locale/en from the code and locale/en/pending/*.json (needs GNU gettext)
	@PY=$(PY) scripts/messages

clean: ## Remove the virtualenvs and generated files (keeps var/ data)
	rm -rf $(VENV) .tools staticfiles
