# Every target that needs the virtual environment creates or updates it first, so on a fresh
# machine `make run`, `make demo` and `make test` are the only set-up commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run poll demo test lint format bench check-sources clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## serve the scheduled deployment (Prefect UI at http://127.0.0.1:4200)
	$(BIN)/newswatch serve

poll: $(STAMP)  ## one poll now (through `make run`'s server when it is running: it shows in the UI)
	$(BIN)/newswatch run --once

demo: $(STAMP)  ## one poll over the bundled sample feeds, alerts to the terminal
	$(BIN)/newswatch demo

test: $(STAMP) $(CHROMIUM)  ## the whole test suite (PostgreSQL tests need the local server: see .ci/run)
	$(BIN)/python -m pytest -q

# The UI test drives Debian's Chromium (a browser download is impossible here).
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## issue 14's table, each row as a ratio to its yardstick (BENCH_QUICK=1: a smoke run; see bench/README.md)
	$(BIN)/python bench/bench_all.py
	$(BIN)/python bench/bench_detect.py

check-sources: $(STAMP)
	$(BIN)/newswatch sources check

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
