# IntentBid — every command a developer or CI needs. `make dev` and `make test` work from a clean clone.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
NODE_DIR := .tools/node
export PATH := $(CURDIR)/$(NODE_DIR)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export TZ := UTC
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install node chromium dev dev-reset migrate lock lint-templates test test-fast test-e2e test-browser test-infra lint typecheck synth \
        invoke demo listen bench bench-load build clean openapi deploy access-policy config-docs

help:
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt requirements.lock requirements-dev.txt pyproject.toml
	test -x $(PYTHON) || $(PY) -m venv $(VENV)
	sed -n 's/^\([A-Za-z0-9_.-]*==[^ ;]*\).*/\1/p' requirements.lock > $(VENV)/runtime-constraints.txt
	$(PYTHON) -m pip install -q -r requirements-dev.txt -c $(VENV)/runtime-constraints.txt
	$(PYTHON) -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## Python venv with runtime and dev packages

node: $(NODE_DIR)/bin/node node_modules/.installed ## Node 22 (for jsii/CDK) and the CDK CLI, project-local

$(NODE_DIR)/bin/node:
	tools/install_node.sh $(NODE_DIR)

node_modules/.installed: package.json package-lock.json $(NODE_DIR)/bin/node
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium: ## Debian's Chromium for the browser tests (Playwright drives it; no browser download)
	tools/install_chromium.sh

DATA_DIR ?= .local
dev: install ## Run the whole system locally (moto, API Gateway, pollers, dashboard); data kept in .local/
	$(PYTHON) -m intentbid_local.run --data-dir $(DATA_DIR) --state-file $(DATA_DIR)/runtime.json

dev-reset: install ## Like `make dev`, but start empty (the saved data is set aside in .local/, not deleted)
	$(PYTHON) -m intentbid_local.run --data-dir $(DATA_DIR) --reset --state-file $(DATA_DIR)/runtime.json

test: install node chromium ## Every test: unit, integration, e2e, infra, browser, contract
	$(BIN)/pytest -n 2 --dist loadgroup --durations=15 tests --deselect tests/e2e/test_contract.py
	$(BIN)/pytest tests/e2e/test_contract.py  # one process: its last test checks what the others reached

test-fast: install ## Unit and integration tests only (the inner loop)
	$(BIN)/pytest -q tests/unit tests/integration

test-e2e: install
	$(BIN)/pytest -q tests/e2e

test-browser: install chromium
	$(BIN)/pytest -q tests/browser

test-infra: install node
	$(BIN)/pytest -q tests/infra

lint: install node ## ruff, and Redocly's OpenAPI linter on docs/openapi.json (rules: redocly.yaml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check layers/shared/python local functions tests bench infra tools
	redocly lint docs/openapi.json --config redocly.yaml

typecheck: install ## mypy
	$(BIN)/mypy layers/shared/python/intentbid local/intentbid_local functions infra migrations tests/unit/fake_store.py

synth: install node ## cdk synth offline, with cdk-nag AwsSolutions: make synth [STAGE=prod] (default: cdk.json's dev)
	cdk synth --quiet $(if $(filter command line,$(origin STAGE)),-c stage=$(STAGE))

lint-templates: install node ## cfn-lint every stage's template (make test lints prod's, the superset of resource types)
	for s in dev staging prod; do \
	  cdk synth --quiet -c stage=$$s -o cdk.out/lint-$$s && $(BIN)/cfn-lint --ignore-checks W3005 -- cdk.out/lint-$$s/*.template.json || exit 1; \
	done

invoke: install ## Run one handler on one event: make invoke FN=health EVENT=events/health.json
	$(PYTHON) -m intentbid_local.invoke $(FN) $(EVENT)

demo: install ## Play a marketplace round against a running `make dev` (or start one)
	$(PYTHON) -m intentbid_local.demo

listen: install ## Print every webhook delivery, verified: KEY=ib_test_… make listen (registers itself) or SECRET=whsec_… [PORT=9000 EVENTS=rfo.created]
	$(PYTHON) -m intentbid_local.listen $(if $(KEY),--key "$(KEY)",$(if $(SECRET),--secret "$(SECRET)")) $(if $(PORT),--port $(PORT)) $(if $(EVENTS),--events "$(EVENTS)") $(if $(RUNTIME_URL),--url $(RUNTIME_URL))

bench: install ## Benchmarks: cold imports, AWS calls per request, ranking CPU, cost per 1M, webhook chaos and latency (print tables)
	$(PYTHON) bench/cold_imports.py
	$(PYTHON) bench/aws_calls.py
	$(PYTHON) bench/ranking.py
	$(PYTHON) bench/rejections.py
	$(PYTHON) bench/cost.py
	$(PYTHON) bench/webhooks.py
	$(PYTHON) bench/webhook_chaos.py

bench-load: install ## Load test over HTTP: 50 vendors x 40 offers/revisions, every answer checked (~5 min)
	$(PYTHON) bench/load.py

build: install ## Build the deps layer for Lambda from requirements.lock (arm64 wheels, hashes checked; a reproducible zip)
	tools/build_deps_layer.sh

lock: install ## Re-lock the runtime dependencies (requirements.lock, with hashes) after changing requirements.txt
	tools/lock_requirements.sh

access-policy: install ## Regenerate docs/ACCESS_POLICY.md from the route table
	$(PYTHON) -c "from intentbid.access_doc import markdown; print(markdown(), end='')" > docs/ACCESS_POLICY.md

config-docs: install ## Regenerate README.md's configuration tables from intentbid/config.py (a test keeps them current)
	$(PYTHON) -c "from pathlib import Path; from intentbid.settings_doc import readme; p = Path('README.md'); p.write_text(readme(p.read_text()))"

openapi: install ## Write the OpenAPI document to docs/openapi.json (a test keeps it current)
	$(PYTHON) -c "import json; from intentbid.openapi import build; print(json.dumps(build(), indent=2, ensure_ascii=False))" > docs/openapi.json

STAGE ?= staging
deploy: install node build ## Deploy one stage to AWS (needs credentials): make deploy STAGE=staging
	$(PYTHON) -m migrations check --stage $(STAGE)
	cdk deploy -c stage=$(STAGE) -c require_deps_layer=true --require-approval never
	$(PYTHON) -m migrations migrate --stage $(STAGE) --by "$${MIGRATE_BY:-$$(whoami)@$$(hostname)} (make deploy)"

migrate: install ## Data migrations to the latest version or TO=N (down too): make migrate [STAGE=staging] [TO=N] [CMD=status]; no STAGE: the running make dev
	$(PYTHON) -m migrations $(or $(CMD),migrate) $(if $(TO),--to $(TO)) $(if $(filter command line,$(origin STAGE)),--stage $(STAGE),--local $(DATA_DIR)/runtime.json)

clean:
	rm -rf $(VENV) .tools node_modules cdk.out layers/deps .pytest_cache
