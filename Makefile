# Flare: the commands in the README. Every target installs what it needs.
SHELL := /bin/bash
CARGO ?= cargo
PORT ?= 3000

.PHONY: help run demo test unit lint fmt clippy build bench clean-tools

help:
	@echo "make run    - Flare locally: moto + every function + the Slack simulator on 127.0.0.1:$(PORT)"
	@echo "make test   - every test, against a private moto started for the run"
	@echo "make lint   - rustfmt check and clippy (warnings are errors)"

## run: the local host (see docs/local-mode.md)
run:
	FLARE_LOCAL_PORT=$(PORT) infra/scripts/with-moto.sh $(CARGO) run -p flare-local --bin flare-local

## test: unit, property and end-to-end tests; moto is started once and stopped after
test:
	infra/scripts/with-moto.sh infra/scripts/run-tests.sh

lint: fmt clippy

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean-tools:
	rm -rf .tools

## demo: a whole incident played in the simulated workspace; transcript on stdout, files in target/demo/
demo:
	infra/scripts/with-moto.sh $(CARGO) run -q -p flare-local --bin flare-demo
