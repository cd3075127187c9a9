# pgconveyor: `make run` shows it working, `make test` proves it. `make help` lists every target.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
SQL_DIRS := migrations functions cron tests/sql

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/bootstrap.sh
	@bash scripts/bootstrap.sh
	@touch $@

install: $(STAMP) ## install Debian packages (if missing), the venv and the Python dependencies

db-start: install ## start the embedded cluster (when DATABASE_URL is unset)
	@if [ -z "$$DATABASE_URL" ]; then $(BIN)/conveyor db start; fi

db-stop: install ## stop the embedded cluster
	@$(BIN)/conveyor db stop

migrate: install ## apply migrations, functions and cron to DATABASE_URL (or the embedded cluster)
	@$(BIN)/conveyor migrate

rollback: install ## roll back to an earlier version with its own functions: make rollback TO=0200_routing (or TO=base)
	@if [ -z "$(TO)" ]; then echo "make rollback TO=<migration id>|base (ids: ls migrations)"; exit 2; fi
	@$(BIN)/conveyor migrate --to "$(TO)"

run: install db-start migrate ## the demo: embedded cluster, migrate, a few hundred jobs through the jobs table and pgmq, status and health
	@$(BIN)/conveyor demo

lint: install ## ruff, sqlfluff and the runner's import layers (core <- sources <- ops, no cycles)
	@$(BIN)/python scripts/check_imports.py
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/sqlfluff lint --processes 2 $(SQL_DIRS)

test: install lint ## lint, then every test (pgTAP and pytest) against a real server
	@$(BIN)/pytest $(PYTEST_ARGS)

soak: install db-start ## the long soak: producer, two workers, random failures and kills (SOAK_SECONDS, default 300)
	@$(BIN)/python tests/reliability/soak.py --seconds $${SOAK_SECONDS:-300}

$(BENCH_STAMP): pyproject.toml
	@CONVEYOR_EXTRAS=dev,bench bash scripts/bootstrap.sh
	@touch $@

bench: install $(BENCH_STAMP) db-start ## benchmarks against PGQueuer on the embedded cluster (writes docs/benchmarks.md; BENCH_ARGS=--scale: bench-scale)
	@$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-scale: install $(BENCH_STAMP) db-start ## issue 10's scale table in one run: backlog, snapshot, job types, producers, processes, pgbench (SCALE_ARGS; about 20 min)
	@$(BIN)/python -m bench.scale $(SCALE_ARGS)

format: install ## format Python and SQL in place
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .
	@$(BIN)/sqlfluff fix --processes 2 $(SQL_DIRS)

.PHONY: help install db-start db-stop migrate rollback run lint test soak bench bench-scale format
