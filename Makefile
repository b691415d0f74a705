# jixiao — every target creates .venv (Python 3.11) and installs the project into it first.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: install demo test bench lint fixtures clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## demo: the main job on the bundled samples (samples/: three years of one unit)
demo: $(STAMP)
	$(BIN)/jixiao extract --summary samples/

## test: the whole suite (unit, property, end-to-end on the bundled PDFs)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

## bench: extraction throughput against pdfplumber's default extract_tables (not run by CI)
bench: $(STAMP)
	$(BIN)/python benchmarks/extract.py samples tests/fixtures/corpus

lint: $(STAMP)
	$(BIN)/ruff check extract transform load expectations flows warehouse tests benchmarks

## fixtures: regenerate the variant-layout PDFs under tests/fixtures/variants
fixtures: $(STAMP)
	$(BIN)/python tests/fixtures/variants/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
