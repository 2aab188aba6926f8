# Two commands set everything up: `make run` (a first look) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run test bench mutants clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/ivr db upgrade
	$(VENV)/bin/ivr run

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	$(VENV)/bin/python -m bench.run_all

# Mutation testing (mutmut; not in CI, slow): mutates the modules where a bug costs a missed
# or doubled alert, runs the fast tests covering each mutant, prints the survivors.
# One module: `make mutants MUTANTS='dialer.outcome*'`. Scores and survivors: docs/mutants.md.
MUTANTS ?= ivr.hotline.pins* dialer.outcome* dialer.settle* ivr.hotline.accounts* \
	ivr.hotline.quotas* dialer.dispatch* dialer.reconcile* dialer.pacing*

mutants: install
	$(VENV)/bin/pip install -q -e '.[test,dev]'
	$(VENV)/bin/mutmut run $(foreach m,$(MUTANTS),"$(m)")
	@echo "surviving mutants (mutmut show <name> for the diff):"
	@$(VENV)/bin/mutmut results | grep -v "not checked" || true

clean:
	rm -rf $(VENV) instance .pytest_cache mutants
