# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - install newsdedup in .venv and run it on the bundled demo corpus
#   make test   - install the dev extras in .venv-dev and run every check (ruff, mypy, pytest)
PYTHON ?= python3
VENV ?= .venv
DEV_VENV ?= .venv-dev
DEMO_OUT ?= demo-out
LINT_PATHS := $(wildcard dedup jobs tests benchmarks)

.PHONY: demo test lint typecheck pytest clean quality bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet .
	touch $@

$(DEV_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEV_VENV)
	$(DEV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEV_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/newsdedup demo --out $(DEMO_OUT)
	@echo "reports written to $(DEMO_OUT)/"

lint: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/ruff check $(LINT_PATHS)
	$(DEV_VENV)/bin/ruff format --check $(LINT_PATHS)

typecheck: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/mypy dedup jobs

pytest: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python -m pytest

test: lint typecheck pytest

bench: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python benchmarks/bench_kernels.py --n 20000
	$(DEV_VENV)/bin/python benchmarks/bench_speed.py --n 20000

clean:
	rm -rf $(VENV) $(DEV_VENV) $(DEMO_OUT) .mypy_cache .pytest_cache .ruff_cache build *.egg-info

# Quality on the labelled sets in ../shared/data (skips cleanly when absent).
QUALITY_ARGS ?=
quality: $(DEV_VENV)/.installed
	$(DEV_VENV)/bin/python benchmarks/quality.py $(QUALITY_ARGS)
