# The two commands of the README: `make run` and `make test`.
# Both create the virtual environment on first use and re-install when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# The independent Fedify peer used by the interop tests, copied out of ../shared
# (read-only there) and installed with npm from its lock file.
PEER_SRC ?= ../shared/peers/fedify-peer
PEER_DIR := build/fedify-peer
PEER_READY := $(if $(wildcard $(PEER_SRC)/package-lock.json),$(PEER_DIR)/.installed,)

# The page tests drive Debian's chromium (never a downloaded browser) and inject
# axe-core, installed from the npm registry with its lock file.
CHROMIUM ?= /usr/bin/chromium
AXE_DIR := build/axe

# deploy/nginx/kinfolk-proxy.conf is tested in front of a real node with Debian's nginx.
NGINX ?= /usr/sbin/nginx

.PHONY: run test lint typecheck pytest bench clean help messages

help:
	@echo "make run    - install (first time) and serve the node on http://127.0.0.1:8080 (SQLite)"
	@echo "make test   - install test tools (first time), then lint, type-check and run every test"
	@echo "make bench  - run the benchmarks under bench/ and print their figures"
	@echo "make messages - extract the pages' text and merge it into web/locales/*/messages.po"

$(BIN)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(BIN)/.installed-run

$(PEER_DIR)/.installed: $(PEER_SRC)/package-lock.json
	rm -rf $(PEER_DIR)
	mkdir -p build
	cp -r $(PEER_SRC) $(PEER_DIR)
	chmod -R u+w $(PEER_DIR)
	cd $(PEER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(AXE_DIR)/.installed: tests/browser/package-lock.json
	rm -rf $(AXE_DIR)
	mkdir -p $(AXE_DIR)
	cp tests/browser/package.json tests/browser/package-lock.json $(AXE_DIR)/
	cd $(AXE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Installs Debian's chromium when it is missing and we may (root); otherwise says how.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; \
	else \
		echo "The page tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	fi

# Debian's nginx, installed without starting its service (RUNLEVEL=1): the tests run
# their own instance on a loopback port.
$(NGINX):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx || \
		{ apt-get update -q && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx; }; \
	else \
		echo "The deployment tests need Debian's nginx: sudo apt-get install nginx" >&2; exit 1; \
	fi

run: $(BIN)/.installed-run
	$(BIN)/kinfolk serve

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

# Two test processes (pytest-xdist): much of the suite waits on subprocesses, the
# browser and the network, so a second process fills the other core. Each keeps to
# its own PostgreSQL schemas, ports and temporary directories.
PYTEST_PROCESSES ?= 2
pytest: $(BIN)/.installed-test $(PEER_READY) $(AXE_DIR)/.installed $(CHROMIUM) $(NGINX)
	$(BIN)/pytest -n $(PYTEST_PROCESSES)

test: lint typecheck pytest

bench: $(BIN)/.installed-test
	$(BIN)/python -m bench.s0_calibration
	$(BIN)/python -m bench.s1_fanout
	$(BIN)/python -m bench.s2_far_node
	$(BIN)/python -m bench.s3_inbox
	$(BIN)/python -m bench.s4_cold_keys
	$(BIN)/python -m bench.s5_dead_nodes
	$(BIN)/python -m bench.s6a_crash
	$(BIN)/python -m bench.s6b_outage
	$(BIN)/python -m bench.s7_backpressure
	$(BIN)/python -m bench.multiprocess
	$(BIN)/python -m bench.s9_hostile
	$(BIN)/python -m bench.policy_import
	$(BIN)/python -m bench.policy_listing
	$(BIN)/python -m bench.s8_reads
	$(BIN)/python -m bench.s8_reads --postgres

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Translatable text of the pages, merged into each language's catalogue (then
# translate the new, empty or fuzzy entries; tests/web/test_translations.py checks).
messages: $(BIN)/.installed-test
	mkdir -p build
	$(BIN)/pybabel extract -F web/locales/babel.cfg -k _ --no-location --omit-header --sort-output -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d web/locales --width 100 --ignore-obsolete
