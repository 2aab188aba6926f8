# Two commands set everything up: `make run` (a first look) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/ivr db upgrade
	$(VENV)/bin/ivr run

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Imports only point down (the layers contract in pyproject.toml), then ruff's checks.
lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

bench: install
	$(VENV)/bin/python -m bench.run_all

clean:
	rm -rf $(VENV) instance .pytest_cache
