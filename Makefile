# ClearToBill. Python 3.11 and make are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     ?= data/cleartobill.duckdb
PORT   ?= 8501
# Sign-in (README "Users and sign-in"): none = this computer only (127.0.0.1); password or oidc listen on
# ADDRESS (behind a TLS reverse proxy).
AUTH_MODE ?= none
ADDRESS   ?= 0.0.0.0
LISTEN := $(if $(filter password oidc,$(AUTH_MODE)),$(ADDRESS),127.0.0.1)

.PHONY: run test test-spark spark-env lint format bench reset demo install install-dev clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The Spark runner's own environment (PySpark 4 does not yet fully support pandas 3: keep it apart).
SPARK_VENV := .venv-spark
$(SPARK_VENV)/.installed: requirements.txt requirements-spark.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/python -m pip install --quiet -r requirements-spark.txt
	touch $@

spark-env: $(SPARK_VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, seed the demo practice on first start, and start the dashboard
run: $(VENV)/.installed
	@if [ ! -f "$(DB)" ]; then \
		echo "First start: generating the demo practice into $(DB) (under a minute)..."; \
		$(PY) -m audits demo --db "$(DB)"; \
	fi
	AUTH_MODE="$(AUTH_MODE)" CLEARTOBILL_DB="$(DB)" $(PY) -m streamlit run serve.py --server.port $(PORT) \
		--server.address $(LISTEN) --server.headless true

## test: install the dev dependencies, lint, and run the whole suite (unit, CLI, AppTest, notebooks, browser)
test: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup

## test-spark: the Spark parity test (every rule in DuckDB and in PySpark local mode; needs Java 17)
test-spark: $(SPARK_VENV)/.installed
	CLEARTOBILL_SPARK_REQUIRED=1 CLEARTOBILL_SPARK_PARTITIONS=1 $(SPARK_VENV)/bin/python -m pytest -m spark -p no:cacheprovider tests/test_spark_parity.py

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## bench: the speed targets of the issues, reported as ratios (see bench/README.md)
bench: $(VENV)/.installed-dev
	$(PY) -m bench

## demo: (re)generate the demo practice into a fresh database
demo: $(VENV)/.installed
	rm -f "$(DB)" "$(DB).wal"
	$(PY) -m audits demo --db "$(DB)"

## reset: start clean - an empty database, no demo data
reset: $(VENV)/.installed
	rm -f "$(DB)" "$(DB).wal"
	$(PY) -m audits init --db "$(DB)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
