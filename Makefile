# Everyday commands. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test test-fast worker lint format schema schema-check check-deploy browser-deps bench-deps bench clean

## setup: create .venv, install pinned packages, the explorer's assets and axe-core (npm; idempotent)
setup: $(STAMP) static/vendor/graphiql/graphiql.min.js

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

static/vendor/graphiql/graphiql.min.js: package.json package-lock.json scripts/vendor-assets.sh
	scripts/vendor-assets.sh

## run: migrate and serve on http://$(HOST):$(PORT) (SQLite and in-process tasks unless configured)
run: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## browser-deps: Debian's Chromium and ChromeDriver for the browser tests
browser-deps:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)); \
	elif command -v sudo >/dev/null; then \
	  sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "install chromium and chromium-driver for the browser tests" >&2; fi

# Tests use Redis only through TEST_REDIS_URL (a database of their own; never REDIS_URL), e.g.
# `make test TEST_REDIS_URL=redis://127.0.0.1:6379/4`; without it the Redis tests skip.
ifdef TEST_REDIS_URL
export TEST_REDIS_URL
endif

## test: the whole suite (honours DATABASE_URL and TEST_REDIS_URL)
test: setup browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## test-fast: the suite without the browser tests
test-fast: setup
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

## worker: a Celery worker delivering mail, with beat (the outbox's re-queue); needs REDIS_URL
##         (environment or .env; it refuses to start without). Beat's schedule file:
##         data/celerybeat-schedule, or CELERY_BEAT_SCHEDULE_FILE.
worker: setup
	$(BIN)/celery -A wiki worker -B --loglevel=INFO

## lint: ruff check and format check
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## schema: write schema.graphql (/_graphql) and schema-v2.graphql (/graphql) from the live schemas
schema: setup
	DEBUG=1 $(BIN)/python manage.py export_schema schema.graphql
	DEBUG=1 $(BIN)/python manage.py export_schema --v2 schema-v2.graphql

## schema-check: fail when schema.graphql or schema-v2.graphql differs from its live schema
schema-check: setup
	DEBUG=1 $(BIN)/python manage.py export_schema --check schema.graphql
	DEBUG=1 $(BIN)/python manage.py export_schema --v2 --check schema-v2.graphql

## check-deploy: Django's deployment checks with the production defaults an operator gets: an
##               empty environment (env -i) and no .env, only what production cannot default
check-deploy: setup
	env -i PATH="$$PATH" WIKI_ENV_FILE=/dev/null DEBUG=0 ALLOWED_HOSTS=wiki.example.com \
	  SECRET_KEY=check-deploy-only-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

## bench-deps: Debian's wrk, the load generator of the benchmarks
bench-deps:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -qq wrk >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)); \
	elif command -v sudo >/dev/null; then \
	  sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; \
	else echo "install wrk for the benchmarks" >&2; fi

## bench: the API under gunicorn + wrk beside a no-framework floor (bench/README.md);
##        options in BENCH_ARGS, e.g. BENCH_ARGS="--pages 1000,10000 --duration 20" or --quick
bench: setup bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
