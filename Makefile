# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The Python named in .python-version: python3.12 on PATH, else pyenv's, else python3 if new enough.
PYTHON ?= $(shell for p in python$$(cat .python-version) $$HOME/.pyenv/versions/$$(cat .python-version)*/bin/python python3; do \
	for c in $$p; do command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit; }; done; done)

.PHONY: run test bench simulate chaos install install-dev translations worker lock clean

# Installs exactly the versions in requirements/ (the lock files; `make lock` writes them
# from pyproject.toml's ranges).
$(VENV)/.installed: requirements/main.txt
	@test -n "$(PYTHON)" || { echo "Python $$(cat .python-version) or newer is needed (see README)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/main.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@

# After changing dependencies in pyproject.toml: pin them again (uv resolves; pip installs).
lock: install
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --quiet -o requirements/main.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 --quiet -o requirements/dev.txt

# The translations' compiled files (not committed), written again when their source changes.
translations: $(VENV)/.installed
	@$(PY) -m config.locales

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

run: install
	$(PY) -m config.launch --port $(PORT)

worker: install
	$(PY) manage.py run_timers

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(PY) -m benchmarks $(BENCH_ARGS)

# Processes killed and frozen at random under a crowd of diners and two hosts, then every
# invariant checked: make chaos CHAOS_SECONDS=60
CHAOS_SECONDS ?= 300
chaos: install-dev
	$(PY) -m chaos --seconds $(CHAOS_SECONDS) $(CHAOS_ARGS)

# Nights at a virtual restaurant, scored against the real waits, on a Valkey of its own:
# make simulate SCENARIO=family SEED=7 SIMULATE_ARGS="--meal-factor 1.3"
SCENARIO ?= busy-mixed
SEED ?= 1
SIMULATE_ARGS ?=
simulate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput -v 0
	DEBUG=$${DEBUG:-1} LOG_LEVEL=$${LOG_LEVEL:-WARNING} $(PY) manage.py simulate --scenario $(SCENARIO) --seed $(SEED) $(SIMULATE_ARGS)

clean:
	rm -rf $(VENV) var/test.sqlite3 .pytest_cache
