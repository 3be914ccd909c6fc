# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The Python named in .python-version: python3.12 on PATH, else pyenv's, else python3 if new enough.
PYTHON ?= $(shell for p in python$$(cat .python-version) $$HOME/.pyenv/versions/$$(cat .python-version)*/bin/python python3; do \
	for c in $$p; do command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; exit; }; done; done)

.PHONY: run test test-ci bench simulate install install-dev worker clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $$(cat .python-version) or newer is needed (see README)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) -m config.launch --port $(PORT)

worker: install
	$(PY) manage.py run_timers

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(PY) -m benchmarks $(BENCH_ARGS)

# Nights at a virtual restaurant, scored against the real waits: make simulate SCENARIO=family SEED=7
SCENARIO ?= busy-mixed
SEED ?= 1
simulate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput -v 0
	DEBUG=$${DEBUG:-1} LOG_LEVEL=$${LOG_LEVEL:-WARNING} $(PY) manage.py simulate --scenario $(SCENARIO) --seed $(SEED)

clean:
	rm -rf $(VENV) var/test.sqlite3 .pytest_cache
