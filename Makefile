# The two front doors: `make up` runs the whole system, `make test` runs every test.
SHELL := /bin/bash
UV ?= uv
PYTEST_ARGS ?=

.PHONY: up down status airflow train traffic screenshots test lint fmt bench setup clean

up: setup ## start the whole stack on its defaults and wait until healthy
	$(UV) run python -m scripts.stack up

down: ## stop everything `make up` started
	$(UV) run python -m scripts.stack down

status:
	$(UV) run python -m scripts.stack status

airflow: ## the Airflow CLI with the stack's settings: make airflow ARGS="dags list"
	$(UV) run python -m scripts.stack airflow $(ARGS)

train: ## train, evaluate and register a model from the running stack's data
	set -a; [ -f .env ] && . ./.env; set +a; $(UV) run titanic-train

traffic: ## realistic predictions, then a drifted batch (needs `make up`)
	set -a; [ -f .env ] && . ./.env; set +a; $(UV) run python scripts/traffic.py

setup: ## install uv, Debian packages, the locked environments
	bash scripts/bootstrap.sh

test: setup ## lint + the whole test suite against real PostgreSQL, Redis, processes
	bash scripts/ensure_services.sh
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pytest $(PYTEST_ARGS)

screenshots: ## refresh docs/images from the UI's browser tests
	UPDATE_SCREENSHOTS=1 $(UV) run pytest tests/ui -k "browser or real_stack"

lint:
	$(UV) run ruff check . && $(UV) run ruff format --check .

fmt:
	$(UV) run ruff check --fix . && $(UV) run ruff format .

bench: setup ## run every benchmark; results go to benchmarks/RESULTS.md
	bash scripts/ensure_services.sh
	$(UV) run python -m benchmarks

clean: down
	rm -rf .run
