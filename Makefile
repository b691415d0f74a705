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
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --no-deps \
	  rapidocr-onnxruntime
	@touch $(STAMP)

install: $(STAMP)

DEMO_DB := warehouse/demo.duckdb
DEMO_XLSX := warehouse/reports/demo.xlsx

## demo: ingest the bundled samples (three years of one unit) into a fresh warehouse of its own
## (warehouse/demo.duckdb: your warehouse/jixiao.duckdb is never touched), show a cross-year
## table and the five reports to review first (可信度), write the Excel workbook; the README's
## examples run on it after `export JIXIAO_DB=warehouse/demo.duckdb`
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB).wal $(DEMO_DB).work $(DEMO_DB).work.wal
	$(BIN)/jixiao ingest samples/ --db $(DEMO_DB) --no-alerts
	$(BIN)/jixiao sql --db $(DEMO_DB) "SELECT reported_name AS 项目, fiscal_year AS 年度, \
	  budget_full_year AS 全年预算万元, execution_rate AS 执行率, total_score AS 总分, grade AS 等级, \
	  prev_total_score AS 上年总分, prev_grade AS 上年等级 FROM v_project_year_over_year \
	  WHERE fiscal_year = 2024 ORDER BY total_score, project_name"
	$(BIN)/jixiao sql --db $(DEMO_DB) "SELECT review_rank AS 序, project_name AS 项目, \
	  fiscal_year AS 年度, total_score AS 总分, credibility AS 可信度, flag_codes AS 标记 \
	  FROM v_report_credibility WHERE review_rank <= 5 ORDER BY review_rank"
	$(BIN)/jixiao export --db $(DEMO_DB) --to $(DEMO_XLSX)
	$(BIN)/jixiao status --db $(DEMO_DB)

## test: the whole suite (unit, property, end-to-end on the bundled PDFs)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

## bench: extraction throughput against pdfplumber's default extract_tables on the corpus, then
## 2,000 seeded layout-fuzzer documents: cell accuracy, reports lost / invented, speed; then 323
## hostile mutants of the samples: outcomes, peak memory and time per class; then OCR on the
## scanned fixtures and on 12 held-out scans it makes with their generator: cells exact, wrong
## numbers loaded, pages/s on one core, a 10-page scan on two processes (not run by CI)
bench: $(STAMP)
	$(BIN)/python benchmarks/extract.py samples tests/fixtures/corpus
	$(BIN)/python benchmarks/fuzz.py --n 2000 --seed 0 --workers 2 --time-docs 100
	$(BIN)/python benchmarks/hostile.py --n 40 --n-many 3 --seed 0 --workers 2
	$(BIN)/python benchmarks/ocr.py --workers 2

lint: $(STAMP)
	$(BIN)/ruff check extract transform load expectations flows warehouse web tests benchmarks docs

## fixtures: regenerate the variant-layout PDFs under tests/fixtures/variants
fixtures: $(STAMP)
	$(BIN)/python tests/fixtures/variants/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
