# Flare: the commands in the README. Every target installs what it needs.
SHELL := /bin/bash
CARGO ?= cargo
# `make run PORT=N` or `FLARE_LOCAL_PORT=N make run`: both serve on N.
PORT ?= $(or $(FLARE_LOCAL_PORT),3000)

.PHONY: help run demo test unit lint fmt clippy build bench clean-tools

help:
	@echo "make run    - Flare locally: moto + every function + the Slack simulator on 127.0.0.1:$(PORT)"
	@echo "make demo   - a whole incident played in the simulated workspace (target/demo/)"
	@echo "make test   - every test, against a private moto started for the run"
	@echo "make unit   - unit and property tests of every crate (no moto, no binaries)"
	@echo "make bench  - Criterion, loopback load beside a Bolt app, cold starts (docs/performance.md)"
	@echo "make bench-scale - ack times with 1,000 open and 36,500 closed incidents (part of make bench)"
	@echo "make soak   - 10 minutes of mixed traffic: no lost or duplicated command, flat memory"
	@echo "make fuzz   - every cargo-fuzz target for FUZZ_SECONDS each"
	@echo "make mutants - cargo-mutants over the domain, request signing and permissions (docs/mutants.md)"
	@echo "make lint   - rustfmt check, clippy (warnings are errors) and validate"
	@echo "make validate - sam validate --lint, cfn-lint and checkov on template.yaml (installs them into .tools/)"
	@echo "make build  - sam build: every function with cargo-lambda for arm64 (CONFIG=path/to/flare.yaml)"
	@echo "make deploy - sam deploy with samconfig.toml (REGION=…, STACK=… to override); run make build first"
	@echo "make manifest URL=https://… - target/slack-app-manifest.yaml for the deployed function URL"
	@echo "make config-check CONFIG=flare.yaml - check a configuration (typos are named with their path)"
	@echo "make config-sync CONFIG=flare.yaml TABLE=… - put its service catalog in the stack's table"

## run: the local host (see docs/local-mode.md)
run:
	FLARE_LOCAL_PORT=$(PORT) infra/scripts/with-moto.sh $(CARGO) run -p flare-local --bin flare-local

## test: unit, property and end-to-end tests; moto is started once and stopped after
test:
	infra/scripts/ensure-chromium.sh
	infra/scripts/with-moto.sh infra/scripts/run-tests.sh

## unit: the library tests of every crate (unit and property tests); nothing needs moto
unit:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --lib --no-fail-fast; \
	else \
	  $(CARGO) test --workspace --lib --no-fail-fast; \
	fi

lint: fmt clippy validate

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean-tools:
	rm -rf .tools

## demo: a whole incident played in the simulated workspace; transcript on stdout, files in target/demo/
demo:
	infra/scripts/with-moto.sh $(CARGO) run -q -p flare-local --bin flare-demo

## Deployment (docs/deploy.md). The SAM CLI and cargo-lambda come pinned from PyPI into
## .tools/sam-venv; nothing is installed globally.
.PHONY: validate deploy manifest
SAM_CLI_VERSION := 1.170.0
CARGO_LAMBDA_VERSION := 1.9.2
SAM_VENV := .tools/sam-venv
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.aws-sam-cli-$(SAM_CLI_VERSION)
CARGO_LAMBDA_STAMP := $(SAM_VENV)/.cargo-lambda-$(CARGO_LAMBDA_VERSION)
export SAM_CLI_TELEMETRY := 0
# The operator's configuration, packaged as /opt/flare.yaml (default: ./flare.yaml if present).
CONFIG ?= $(wildcard flare.yaml)

$(SAM_STAMP):
	python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check "aws-sam-cli==$(SAM_CLI_VERSION)"
	touch $@

$(CARGO_LAMBDA_STAMP): $(SAM_STAMP)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check "cargo-lambda==$(CARGO_LAMBDA_VERSION)"
	touch $@

# checkov has its own venv: its pins and the SAM CLI's don't agree.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .tools/checkov-venv
CHECKOV_STAMP := $(CHECKOV_VENV)/.checkov-$(CHECKOV_VERSION)

$(CHECKOV_STAMP):
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check "checkov==$(CHECKOV_VERSION)"
	touch $@

## validate: offline checks (checkov with --skip-download: no call to its vendor) of template.yaml (no AWS credentials needed): SAM's and
## cfn-lint's rules, then checkov's security checks (each skip is justified next to its
## `checkov:skip` comment in template.yaml)
validate: $(SAM_STAMP) $(CHECKOV_STAMP)
	AWS_DEFAULT_REGION=us-east-1 $(SAM) validate --lint --template template.yaml
	AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --framework cloudformation --file template.yaml --skip-download

## build: release arm64 binaries with cargo-lambda (zig links them) and the config layer
build: $(CARGO_LAMBDA_STAMP)
	rustup target add aarch64-unknown-linux-gnu
	infra/scripts/stage-config.sh $(CONFIG)
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM) build --template template.yaml

## deploy: the built stack, with samconfig.toml's settings (needs AWS credentials)
deploy: $(SAM_STAMP)
	@test -f .aws-sam/build/template.yaml || { echo "nothing built: run make build first" >&2; exit 1; }
	$(SAM) deploy $(if $(REGION),--region $(REGION)) $(if $(STACK),--stack-name $(STACK))

## manifest: the Slack app manifest for a deployed function URL
manifest:
	@infra/scripts/slack-manifest.sh "$(URL)" $(MANIFEST)

## bench: Criterion benches, loopback load on flare-local beside a Bolt reference app, cold
## starts, binary sizes (docs/performance.md); builds in target/bench, results in infra/bench/results/
bench:
	infra/bench/bench.sh

## bench-scale: the ack of list, Home, stats and the duplicate check, and the reminders' tick, with
## 1,000 open incidents and a year (36,500) of closed ones on the local stack (docs/performance.md)
.PHONY: bench-scale
bench-scale:
	$(CARGO) build --release -p flare-local --bin flare-scale
	infra/scripts/with-moto.sh target/release/flare-scale

## soak: SOAK_SECONDS (default 600) of mixed traffic at a steady rate against flare-local run as a
## child process with its own moto; fails on a lost, refused or duplicated command or Slack post, or
## on RSS growth after warm-up beyond SOAK_RSS_GROWTH_MB (default 24). SOAK_RATE (actions/s, default
## 2) and SOAK_LANES (incidents at a time, default 4). Report and RSS samples in target/soak/
## (docs/performance.md#reliability-and-soak)
.PHONY: soak
soak:
	$(CARGO) build -p flare-local --bins
	infra/scripts/with-moto.sh target/debug/flare-soak

## fuzz: every cargo-fuzz target in fuzz/ under libFuzzer for FUZZ_SECONDS each (default 60), failing
## on the first crash: signature (Slack request signing), slash_command, interaction, event (the
## Slack endpoints through SlackApp::handle), command_text (/incident <text>), mail (MIME parse and
## triage). FUZZ_TARGETS="event mail" picks some. cargo-fuzz from crates.io; RUSTC_BOOTSTRAP=1 for
## its -Z flags on stable. Seeds in fuzz/corpus/ (checked in), found inputs in fuzz/work/, crashes in
## fuzz/artifacts/ (docs/performance.md#fuzzing)
.PHONY: fuzz
FUZZ_TARGETS ?= signature slash_command interaction event command_text mail
fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build --sanitizer none
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/work/$$t; \
	  echo "== fuzz $$t: $${FUZZ_SECONDS:-60} s"; \
	  dict=fuzz/dict/$$t.dict; \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none $$t fuzz/work/$$t fuzz/corpus/$$t -- \
	    -max_total_time=$${FUZZ_SECONDS:-60} -timeout=10 -print_final_stats=1 \
	    $$(test -f $$dict && echo -dict=$$dict); \
	done

## mutants: cargo-mutants (crates.io, pinned, into .tools/cargo) over the domain, Slack request signing
## and the permission rules (.cargo/mutants.toml), each mutant tested by the flare crate's unit and
## property tests. Not in CI: about 70 minutes on 2 cores. MUTANTS_ARGS="--re 'permission\.rs'" narrows it (--file
## does not: the config's globs are added to it); "--in-place" reuses ./target. Report in mutants.out/
## A mutant's property-test failure is not a regression of the real code: proptest must not save it
## in shared/proptest-regressions (which --in-place would change).
.PHONY: mutants
MUTANTS_VERSION := 27.0.0
MUTANTS_ROOT := .tools/cargo
mutants:
	@test -x $(MUTANTS_ROOT)/bin/cargo-mutants || $(CARGO) install --locked --root $(MUTANTS_ROOT) cargo-mutants --version $(MUTANTS_VERSION)
	PROPTEST_DISABLE_FAILURE_PERSISTENCE=1 PATH="$(CURDIR)/$(MUTANTS_ROOT)/bin:$$PATH" $(CARGO) mutants --no-shuffle $(MUTANTS_ARGS)

## config-check / config-sync: validate a configuration; put its service catalog in the stack's table
.PHONY: config-check config-sync
config-check:
	$(CARGO) run -q -p flare --bin flare-config -- check $${CONFIG:-flare.yaml}

config-sync:
	@test -n "$(TABLE)" || { echo "usage: make config-sync CONFIG=flare.yaml TABLE=<TableName output>"; exit 2; }
	FLARE_TABLE=$(TABLE) $(CARGO) run -q -p flare --bin flare-config -- sync $${CONFIG:-flare.yaml}
