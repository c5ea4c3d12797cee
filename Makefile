# The workshop's commands. `make run` serves the final app; `make test` checks everything.
# Both create .venv and install the pinned dependencies first (see `make setup`).

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck test-tools verify docs bench bench-workshop lock clean notebooks

setup: $(STAMP)

# Re-install only when the pinned dependencies change; a fresh clone pays once.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed: run 'make PYTHON=python3.12 ...'"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/workshop serve final --port $(PORT)

# The class notebooks: serve the final app in the background, as `make run` does but with limits
# a class can live with (workshop/live.py explains them), open JupyterLab, and stop the app when
# JupyterLab exits (File > Shut Down, or Ctrl-C twice).
notebooks: setup
	@RATELIMIT_LOGIN='20 per 10 seconds' RATELIMIT_REGISTER='100 per minute' \
		RATELIMIT_DEFAULT='1000 per minute' $(BIN)/workshop serve final --port $(PORT) & \
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
test-tools: setup
	$(BIN)/python -m pytest tests

# Every step and final/: reference green, every task fails on its stub, lineage intact.
verify: setup
	$(BIN)/workshop verify

# The final app under gunicorn against a bare Flask route: requests/s and latency per row, written
# to final/benchmarks/latest.md. On PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set.
# Requests per second of the final app as ratios to a bare Flask route (see final/benchmarks).
bench: setup
	cd final && ../$(BIN)/python benchmarks/run.py

# The learner's loop: `workshop check NN --solution` and a one-task re-check per step, as median
# wall times, written to benchmarks/learner-loop.md. `make bench-workshop STEPS="04 05"` for some.
bench-workshop: setup
	$(BIN)/python benchmarks/learner_loop.py $(STEPS)

# The handbook on http://127.0.0.1:8000, rebuilt on every change (mkdocs.yml, docs/hooks.py).
docs: setup
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
