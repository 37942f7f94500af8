# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench bench-quick clean catalogs vendor-yjs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/conference migrate
	$(BIN)/conference demo --if-empty
	$(BIN)/conference serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Playwright's sync API keeps a loop of its own running, which upsets pytest-asyncio in
# the same process, so the real-browser tests run in a pytest run of their own. The others
# run on two workers (pytest-xdist), but for the timing-sensitive ones (tests/conftest.py).
# The Firefox journey's driver (puppeteer-core, from npm; it downloads no browser).
FIREFOX_DRIVER := tests/e2e/firefox
$(FIREFOX_DRIVER)/node_modules/.installed: $(FIREFOX_DRIVER)/package-lock.json
	npm ci --prefix $(FIREFOX_DRIVER) --no-audit --no-fund --loglevel=error
	touch $@

pytest: $(VENV)/.installed-test $(FIREFOX_DRIVER)/node_modules/.installed
	$(BIN)/pytest -m "not e2e and not serial" -n 2 --durations=15
	$(BIN)/pytest -m "serial and not e2e" --durations=15
	$(BIN)/pytest -m e2e --durations=15

# The benchmarks' smoke run (under 2 minutes) checks they still run; a missed goal is a result.
test: lint typecheck pytest bench-quick

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

bench-quick: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks --quick

catalogs: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k FieldError -k Message -o conference/web/locale/messages.pot --no-location --sort-output .
	for lang in es fr ar zh_Hans ru de id hi; do \
	  $(BIN)/pybabel update -i conference/web/locale/messages.pot -d conference/web/locale -l $$lang --no-fuzzy-matching || \
	  $(BIN)/pybabel init -i conference/web/locale/messages.pot -d conference/web/locale -l $$lang; \
	done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

# The vendored Yjs bundle of static/vendor (see its README); needs npm.
vendor-yjs:
	tmp=$$(mktemp -d) && cd $$tmp && npm init -y >/dev/null && \
	  npm install --no-audit --no-fund yjs@13.6.33 esbuild@0.24.2 >/dev/null && \
	  echo 'export * from "yjs";' > entry.mjs && \
	  npx esbuild entry.mjs --bundle --format=esm --platform=browser --minify \
	    --outfile=$(CURDIR)/static/vendor/yjs-13.6.33.mjs && rm -rf $$tmp
