# App Connect connector server: developer entry points.
#   make run   - create .venv if needed, then start the local stack (API :3000, DynamoDB, sandbox CRMs :8100)
#   make test  - create .venv and .venv-sam if needed, then lint, type-check and run every test (the console's
#                browser tests need /usr/bin/chromium: apt-get install chromium chromium-driver; .ci/run does)
#   make new-connector NAME=acme - scaffold a connector, its sandbox, manifest entry and conformance fixture
#   make bench - cold start, screen pop, call log and cost figures of docs/performance.md (BENCH_ARGS=--quick)
#   make fuzz  - schemathesis over every operation of the contract, all four CRMs, 10 min each (FUZZ_SECONDS,
#                FUZZ_SEED to replay a run; make test runs a short version with a new seed each time)
#   make load  - Locust on loopback, four connectors mixed: 5 min at 17 req/s then 1 min at 51 (docs/reliability.md)
#   make smoke API_URL=https://... - read-only check of a deployed stack (docs/operations.md, "Smoke test")
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
export PYTHONPATH := $(CURDIR)/layers/appconnect:$(CURDIR):$(CURDIR)/functions
# Lambda runs python3.12; sam build needs that interpreter on PATH (pyenv carries it on these machines).
PY312 ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12.*/bin/python3.12; do "$$p" -c "" 2>/dev/null && command -v "$$p" && break; done)

.PHONY: run test lint typecheck unit venv sam-venv build validate clean new-connector

$(VENV)/.installed: requirements/runtime.txt requirements/dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet -r requirements/sam.txt
	touch $@

venv: $(VENV)/.installed
sam-venv: $(SAM_VENV)/.installed

run: venv
	$(PY) -m local

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy layers/appconnect/appconnect connectors functions local

# The console's browser tests (tests/local/browser) drive Debian's Chromium; without it they are skipped, and said so.
CHROMIUM ?= /usr/bin/chromium

test: venv sam-venv lint typecheck
	@test -x "$(CHROMIUM)" || echo "NOTE: $(CHROMIUM) not found: the console's browser tests (tests/local/browser) are skipped. Install Chromium with: apt-get install -y chromium chromium-driver"
	SAM_CLI_TELEMETRY=0 BROWSER_TEST_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest -n 2

new-connector: venv
	@test -n "$(NAME)" || { echo "usage: make new-connector NAME=acme"; exit 1; }
	$(PY) -m local.scaffold $(NAME)

# Every figure of docs/performance.md in one run (a few minutes on 2 cores); BENCH_ARGS=--quick for fewer rounds.
.PHONY: bench
bench: venv
	$(PY) -m bench $(BENCH_ARGS)

# The load run of docs/reliability.md: its own local stack (or the one at API_URL, sandboxes at SANDBOX_URL),
# checks zero errors and no duplicate CRM record, prints p50/p95/p99 per operation. A quick check:
# make load LOAD_ARGS="--steady 20 --burst 20"
.PHONY: load
load: venv
	$(PY) -m bench.load $(LOAD_ARGS)

# The long contract-fuzzing run of docs/reliability.md: a new seed each run, printed (FUZZ_SEED=<n> replays it).
FUZZ_SECONDS ?= 600
FUZZ_EXAMPLES ?= 100
.PHONY: fuzz
fuzz: venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_COVERAGE=all $(PY) -m pytest -p no:cacheprovider --timeout 0 -s -v \
		tests/api/test_contract_fuzz.py

# Build the deployable bundle (functions + the shared layer with .pyc compiled by Python 3.12).
build: sam-venv
	@test -n "$(PY312)" || { echo "python3.12 not found: install it or set PY312=/path/to/python3.12"; exit 1; }
	PATH="$$(dirname $(PY312)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM) build

validate: sam-venv
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM) validate --lint

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache

# Read-only check of a deployed stack (health, manifest, CORS, JWT refusals); standard library only, no AWS
# credentials. JWT=<a real JWT from the extension> also checks it is refused once tampered (passed in the
# environment, never echoed).
.PHONY: smoke
smoke:
	@test -n "$(API_URL)" || { echo "usage: make smoke API_URL=https://<api-id>.execute-api.<region>.amazonaws.com [JWT=...]"; exit 2; }
	@SMOKE_JWT="$(JWT)" $(PYTHON) -m local.smoke "$(API_URL)"
