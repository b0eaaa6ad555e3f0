# GCA — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit integration e2e chromium poppler clean bench bench-import package

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## make run: local AWS stack + demo data + API and UI on http://127.0.0.1:$${PORT:-8000}
run: $(STAMP)
	$(PY) -m devtools.run_local

## make test: lint, types, the deployable template (cfn-lint), unit, integration and e2e tests
test: $(STAMP) chromium poppler lint typecheck package unit integration e2e

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

# Unit tests run on in-memory fakes: AWS_ENDPOINT_URL points at a closed port, so any call that
# reached for AWS would fail; the services must stay at least 90 % covered by them.
unit: $(STAMP)
	AWS_ENDPOINT_URL=http://127.0.0.1:9 $(PY) -m pytest tests/unit \
	  --cov=chalicelib/services --cov-report=term-missing:skip-covered --cov-fail-under=90

integration: $(STAMP) poppler
	$(PY) -m pytest tests/integration

e2e: $(STAMP) chromium
	$(PY) -m pytest tests/e2e

# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Instale chromium (sudo apt-get install chromium)"; exit 1; fi; \
	fi

# The signed PDFs are checked with poppler's pdfsig and pdfinfo, as a reader's software would.
poppler:
	@if ! command -v pdfsig >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "Instale poppler-utils (sudo apt-get install poppler-utils)"; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache var

## make package: the CloudFormation (SAM) template and code bundle of the prod stage, checked by cfn-lint
package: $(STAMP)
	GCA_STAGE=local GCA_DEV_KEYS=1 $(PY) -m devtools.infra
	rm -rf build/package
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package --stage prod \
	  --merge-template infra/resources.json build/package
	$(VENV)/bin/cfn-lint --non-zero-exit-code error build/package/sam.json

## make bench: measurements written to bench/results.json and docs/performance.md
bench: $(STAMP)
	$(PY) -m bench.run

## make bench-import: the migration command on 1,000 and 10,000 certificates of 30 participants, into moto;
## rows per second and peak memory into bench/import_results.json and docs/performance.md (not part of make test)
bench-import: $(STAMP)
	$(PY) -m bench.import_history
