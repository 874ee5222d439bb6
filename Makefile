# Every target that needs the virtual environment creates or updates it first, so on a fresh
# machine `make run`, `make demo` and `make test` are the only set-up commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run demo test lint format bench check-sources clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## serve the scheduled deployment (Prefect UI at http://127.0.0.1:4200)
	$(BIN)/newswatch serve

demo: $(STAMP)  ## one poll over the bundled sample feeds, alerts to the terminal
	$(BIN)/newswatch demo

test: $(STAMP)  ## the whole test suite (PostgreSQL tests need the local server: see .ci/run)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## throughput and memory figures
	$(BIN)/python bench/bench_detect.py
	$(BIN)/python bench/bench_pipeline.py

check-sources: $(STAMP)
	$(BIN)/newswatch sources check

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
