# The two set-up commands of README.md: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= inuvet-demo-password
DEMO_APPOINTMENTS ?= 3000
export DJANGO_HTTPS ?= off

.PHONY: install demo test lint messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# Demo: SQLite under var/, demo data and staff users, gunicorn on http://127.0.0.1:8000
demo: install var/secret_key
	DJANGO_SECRET_KEY=$$(cat var/secret_key) DJANGO_DEMO=on DJANGO_PUBLIC_URL=http://127.0.0.1:8000/ sh -c '\
	  $(BIN)/python manage.py collectstatic --noinput -v0 && \
	  $(BIN)/python manage.py migrate -v0 && \
	  $(BIN)/python manage.py seed_demo --appointments $(DEMO_APPOINTMENTS) --password "$(DEMO_PASSWORD)" && \
	  echo "Serving http://127.0.0.1:8000 (Ctrl-C stops)" && \
	  exec $(BIN)/gunicorn inuvet.wsgi -c gunicorn.conf.py --bind 127.0.0.1:8000'

# Tests: SQLite by default; DATABASE_URL=postgres://... runs them on PostgreSQL.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run

# Translations: refresh the catalogues from the code, then compile them (commit both).
messages: install
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemessages -l fi -l sv -l en --no-obsolete \
	  --ignore=.venv --ignore=tests --ignore=bench --ignore=test-output --ignore=staticfiles --ignore=var --ignore=.vnu
	for lang in fi sv en; do msgfmt --check -o locale/$$lang/LC_MESSAGES/django.mo locale/$$lang/LC_MESSAGES/django.po; done
