# Two commands cover a fresh machine: `make run ARGS="digest <url-or-file>"` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench soak fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/digestbot $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

# Not part of `make test`: signed events at SOAK_RATE/s for SOAK_SECONDS (default 100/s for 10 minutes).
soak: $(STAMP)
	$(BIN)/python -m bench.soak

# Time-boxed coverage-guided fuzzing of the extractor and the Slack message parser (FUZZ_SECONDS each).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz_targets.py extract --seconds $(FUZZ_SECONDS)
	$(BIN)/python tests/fuzz_targets.py slack --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV)
