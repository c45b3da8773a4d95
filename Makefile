# Two commands cover a fresh machine: `make run ARGS="digest <url-or-file>"` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip as a fresh venv ships it (23.2 here) cannot resolve lxml[html-clean] asked for by two packages: upgrade first.
PIP_MIN := pip>=24.1
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-loaded bench soak fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade '$(PIP_MIN)'

# The main job installs only what it runs; the tests and benchmarks add their extras.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/digestbot $(ARGS)

test: $(TEST_STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/python -m pytest -q

# `make test` beside two busy loops, as on a shared or loaded machine; the loops end however the tests do.
test-loaded: $(TEST_STAMP)
	$(PYTHON) -c 'while 1: pass' & one=$$!; $(PYTHON) -c 'while 1: pass' & two=$$!; \
	trap 'kill $$one $$two' EXIT; $(MAKE) test

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

# Not part of `make test`: signed events at SOAK_RATE/s for SOAK_SECONDS (default 100/s for 10 minutes);
# SOAK_REDIS=cluster or sentinel runs it on a local Redis Cluster or Sentinel set instead of one server.
soak: $(TEST_STAMP)
	$(BIN)/python -m bench.soak

# Time-boxed coverage-guided fuzzing of the extractor and the Slack message parser (FUZZ_SECONDS each).
FUZZ_SECONDS ?= 60
fuzz: $(TEST_STAMP)
	$(BIN)/python tests/fuzz_targets.py extract --seconds $(FUZZ_SECONDS)
	$(BIN)/python tests/fuzz_targets.py slack --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV)
