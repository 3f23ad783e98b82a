# Everyday commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.11
VENV := .venv
PY := $(VENV)/bin/python
# uv comes from PATH, or is installed once into .tools/ (git-ignored).
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format bench check-deploy clean

help:
	@echo "make run    install, migrate, load demo data if empty, serve on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff, mypy, the apps' layers (lint-imports) and the check for missing migrations"
	@echo "make bench  run the benchmarks under bench/ and print their figures"

.tools/bin/uv:
	python$(PYTHON_VERSION) -m venv .tools
	.tools/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON_VERSION)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/build/.built: node_modules/.installed $(shell find static/src -type f 2>/dev/null)
	npm run build
	@touch $@

install: $(VENV)/.installed static/build/.built

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)
	@echo "Demo: two-factor authentication is offered but not required (SECOND_FACTOR_REQUIRED=0)."
	SECOND_FACTOR_REQUIRED=0 $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(VENV)/bin/pytest -n auto

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .tools node_modules static/build staticfiles .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
