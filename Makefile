# Every target builds (or refreshes) .venv from the project's own files first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean dynalite checkov terraform-test model pythons docs migrate-proof

# setup.py and the C source too: an editable install compiles the codec's accelerator in place.
$(STAMP): pyproject.toml setup.py src/singletable/_ccodec.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/singletable demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	# The public calls' types as an editor sees them, pinned with assert_type (tests/typing).
	$(BIN)/mypy tests/typing

# dynalite (npm) is the second, independent engine; if it cannot be installed its tests skip and say so.
DYNALITE := .dynalite/node_modules/dynalite/cli.js
$(DYNALITE):
	-scripts/install-dynalite.sh

dynalite: $(DYNALITE)

# checkov (scans terraform/) in its own venv: its pins clash with ours. If it cannot be installed its
# test skips and says so.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	-.venv-checkov/bin/pip install -q --upgrade pip
	-.venv-checkov/bin/pip install -q 'checkov>=3.1,<4'

checkov: $(CHECKOV)

# The Terraform module alone: fmt, validate, terraform test, checkov, examples applied to the local engine.
terraform-test: $(STAMP) $(CHECKOV)
	$(BIN)/pytest -n 2 -q -m terraform

test: $(STAMP) lint $(DYNALITE) $(CHECKOV)
	$(BIN)/pytest -n 2 -q

unit: $(STAMP)
	$(BIN)/pytest -q -m "not integration"

# The model-based test (tests/unit/test_model_based.py), longer and on every engine: moto in-process,
# moto over HTTP and dynalite (skipped if not installed). `make test` runs it in-process, bounded.
model: $(STAMP) $(DYNALITE)
	SINGLETABLE_MODEL_ENGINES=inprocess,http,dynalite SINGLETABLE_MODEL_EXAMPLES=500 SINGLETABLE_MODEL_RANDOM=1 \
		$(BIN)/pytest -q -s tests/unit/test_model_based.py

bench: $(STAMP)
	$(BIN)/python -m bench

# The migration proofs at the issue's size (100,000 items; make test runs them at 600), with the figures.
migrate-proof: $(STAMP)
	SINGLETABLE_MIGRATE_ITEMS=100000 $(BIN)/pytest -q -s tests/integration/test_migrate_proof.py

# The user documentation (mkdocs.yml, docs/), API reference from the docstrings; --strict fails on any warning.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Install and smoke-test the package (C codec included) on every CPython 3.11-3.13 this machine has.
pythons:
	scripts/check-pythons.sh

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .dynalite .venv-checkov
