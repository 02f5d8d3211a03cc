# zwgk — two commands for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BUILD ?= build

.PHONY: demo test lint typecheck bench bench-all bench-compile bench-site bench-hostile bench-xlsx bench-floor venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m zwgk.demo --out $(BUILD)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy zwgk compiler validators catalogs schema
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy zwgk compiler validators catalogs schema

# Speed is measured here, never by timed tests.  Each script prints its ratios against a baseline run in
# the same process tree; see the README's benchmark section for the figures.
bench: $(STAMP)
	$(BIN)/python bench/check_bench.py

bench-compile: $(STAMP)
	$(BIN)/python bench/compile_bench.py

bench-site: $(STAMP)
	$(BIN)/python bench/site_bench.py

bench-hostile: $(STAMP)
	$(BIN)/python bench/hostile_bench.py

bench-xlsx: $(STAMP)
	$(BIN)/python bench/xlsx_bench.py

# The floors: what the required steps alone cost (bare read + cheapest items; serialising the outputs).
bench-floor: $(STAMP)
	$(BIN)/python bench/check_floor.py

bench-all: bench bench-compile bench-site bench-hostile bench-xlsx bench-floor

clean:
	rm -rf $(VENV) $(BUILD) .pytest_cache .mypy_cache .ruff_cache .hypothesis
