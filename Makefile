# The README's two commands: `make run` and `make test`. Both honour DATABASE_URL and
# CELERY_BROKER_URL from the environment; without them, SQLite and an embedded broker.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint format translations messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/python -m config.compile_translations

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	./scripts/run-embedded.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite in one process per core (at most 4), each with its own test database, files and Redis
# database (config/suite.py). TEST_PROCESSES=0 keeps it in this one process (for a debugger, or -x).
TEST_PROCESSES ?= auto
test: setup lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_PROCESSES) --maxprocesses 4 --dist worksteal

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Developers only (needs GNU gettext): refresh the .po files from the source strings.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale fr --locale en --ignore ".venv/*" --no-obsolete

clean:
	rm -rf $(VENV) var staticfiles
