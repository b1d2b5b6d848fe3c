# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint typecheck unit venv dev-deps clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
dev-deps: $(VENV)/.dev

## run: start the embedded mongod (unless MONGODB_URI is set) and the server on $PORT
run: venv
	exec $(PY) -m agents_backend

lint: dev-deps
	$(BIN)/ruff check agents_backend tests
	$(BIN)/ruff format --check agents_backend tests

typecheck: dev-deps
	$(BIN)/mypy

unit: dev-deps
	$(PY) -m pytest

## test: lint, type-check and every test suite against real services
test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
