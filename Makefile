# agentpath: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_DIR ?= demo-data
DEMO_STORE ?= embedded:$(abspath $(DEMO_DIR))/store
PORT ?= 8501

.PHONY: install demo demo-data test lint typecheck neo4j neo4j-prepare e2e-prepare bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev,fast]' || $(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Generate the demo organization, ingest it into its own embedded store, print the paths, serve the UI.
demo: install
	rm -rf $(DEMO_DIR)
	$(PY) -m ingest.demo --output $(DEMO_DIR)
	$(VENV)/bin/agentpath --store $(DEMO_STORE) ingest $(DEMO_DIR)/*.json
	$(VENV)/bin/agentpath --store $(DEMO_STORE) paths --to admin
	@echo "Serving the explorer on http://localhost:$(PORT) (Ctrl-C to stop)"
	$(VENV)/bin/agentpath --store $(DEMO_STORE) ui --port $(PORT) --headless

## Run the whole test suite (starts a real Neo4j from Maven Central artifacts; no Docker needed).
test: install
	-$(PY) tests/neo4j_server/server.py --prepare-only
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy ingest graph_model queries ui

## A Neo4j server in the foreground for manual use (prints its Bolt URI).
neo4j: install
	$(PY) tests/neo4j_server/server.py

neo4j-prepare: install
	$(PY) tests/neo4j_server/server.py --prepare-only

e2e-prepare:
	cd tests/e2e && npm ci --no-audit --no-fund

bench: install
	$(PY) bench/bench_ingest.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) test-output .pytest_cache
