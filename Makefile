# kclinic: two commands on a fresh machine (Python 3.11+ and make):
#   make demo   creates .venv, installs kclinic and runs the main job
#   make test   creates .venv with the dev extras, runs `make check`, then every test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test check lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/kclinic demo

check: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	KCLINIC_MODE=test $(BIN)/mypy
	$(BIN)/lint-imports
	KCLINIC_MODE=test DATABASE_URL=sqlite://:memory: DJANGO_SETTINGS_MODULE=kclinic.web.settings \
		$(BIN)/python -m django makemigrations --check --dry-run

# Every suite on SQLite; then, when KCLINIC_TEST_POSTGRES_URL is set (CI sets it), the
# database suites again on PostgreSQL. An unreachable database fails the run, never skips it.
test: check
	$(BIN)/pytest
	@if [ -n "$$KCLINIC_TEST_POSTGRES_URL" ]; then \
		echo "== database suites on PostgreSQL ($$KCLINIC_TEST_POSTGRES_URL)"; \
		DATABASE_URL="$$KCLINIC_TEST_POSTGRES_URL" $(BIN)/pytest tests/web; \
	fi

format: $(STAMP_DEV)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: $(STAMP_DEV)
	@bash bench/peers.sh
	@for script in bench/*.py; do echo "== $$script"; \
		if [ "$$script" = bench/pk.py ]; then py=bench/.venv/bin/python; else py=$(BIN)/python; fi; \
		$$py $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
