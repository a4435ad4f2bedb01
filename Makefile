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

.PHONY: run test lint typecheck pytest bench clean help

help:
	@echo "make run    - install (first time) and serve the node on http://127.0.0.1:8080 (SQLite)"
	@echo "make test   - install test tools (first time), then lint, type-check and run every test"
	@echo "make bench  - run the benchmarks under bench/ and print their figures"

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

run: $(BIN)/.installed-run
	$(BIN)/kinfolk serve

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

pytest: $(BIN)/.installed-test $(PEER_READY)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(BIN)/.installed-test
	$(BIN)/python -m bench.s0_calibration
	$(BIN)/python -m bench.s1_fanout
	$(BIN)/python -m bench.s2_far_node
	$(BIN)/python -m bench.s3_inbox
	$(BIN)/python -m bench.s6a_crash
	$(BIN)/python -m bench.policy_import

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .hypothesis
