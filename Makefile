# Two commands set everything up: `make run` (a first look) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run test lint lock bench mutants clean

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

# Imports only point down (the layers contract in pyproject.toml), ruff's checks, then mypy
# on the runtime, models and dialer.
lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# requirements.lock: the production pins, from a clean virtualenv holding only `pip install .`.
lock:
	rm -rf $(VENV)-lock build
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install -q .
	{ echo "# Production pins (Python 3.11): every package \`pip install .\` brings, at the versions the"; \
	  echo "# suite passed with. Install: pip install -r requirements.lock && pip install --no-deps ."; \
	  echo "# Regenerate after changing dependencies in pyproject.toml: make lock"; \
	  $(VENV)-lock/bin/pip freeze --exclude saguenay-alerts; } > requirements.lock
	rm -rf $(VENV)-lock build

bench: install
	$(VENV)/bin/python -m bench.run_all

# Mutation testing (mutmut; not in CI, slow): mutates the modules where a bug costs a missed
# or doubled alert, runs the fast tests covering each mutant, prints the survivors.
# One module: `make mutants MUTANTS='dialer.outcome*'`. Scores and survivors: docs/mutants.md.
MUTANTS ?= hotline.pins* dialer.outcome* dialer.settle* hotline.accounts* \
	hotline.quotas* dialer.dispatch* dialer.reconcile* runtime.pacing* models.lockout*

mutants: install
	$(VENV)/bin/pip install -q -e '.[test,lint,dev]'
	$(VENV)/bin/mutmut run $(foreach m,$(MUTANTS),"$(m)")
	@echo "surviving mutants (mutmut show <name> for the diff):"
	@$(VENV)/bin/mutmut results | grep -v "not checked" || true

clean:
	rm -rf $(VENV) instance .pytest_cache mutants
