# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed

# Local development runs in DEBUG (a development secret key, mail to var/mail/).
export DEBUG ?= 1

.PHONY: run test setup migrate clean clients-table bench screenshots messages check-deploy

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var/static var/mail var/files

migrate: setup
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py runserver localhost:8000

# The client matrix (tests/e2e/test_clients.py, marker `clients`) runs only with
# CLIENTS=1; .ci/run sets it on the SQLite pass, so the matrix runs once per CI.
CLIENTS ?=
MATRIX := $(if $(filter 1,$(CLIENTS)),,-m "not clients")

test: setup
	$(BIN)/python -m pytest $(MATRIX) $(PYTEST_ARGS)

# The README's compatibility table, from the matrix's last run (var/clients/last-run.json).
clients-table: setup
	$(BIN)/python -m tests.e2e.compat_table

# Every page at 1280 px and 390 px into var/screenshots/ (the browser sweep of the test suite).
screenshots: setup
	SCREENSHOT_DIR=var/screenshots $(BIN)/python -m pytest tests/e2e/test_pages_sweep.py -q -p no:cacheprovider

# Translations: refresh locale/*/django.po from the code and templates (needs gettext's
# xgettext), then compile the .mo files, which are committed (a test checks they are current).
messages: setup
	$(BIN)/python manage.py makemessages -l de -l es --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks
	$(BIN)/python -c 'import glob, polib; [polib.pofile(p).save_as_mofile(p[:-2] + "mo") for p in glob.glob("locale/*/LC_MESSAGES/django.po")]'

clean:
	rm -rf $(VENV)

# Django's deployment checks with the production settings of deploy/indexsite.env and nothing
# from this shell (no DEBUG); a random SECRET_KEY when the file leaves it empty.
check-deploy: setup
	env -i PATH="$$PATH" HOME="$$HOME" $(BIN)/python -c 'import environ, os, secrets; \
	environ.Env.read_env("deploy/indexsite.env", overwrite=True); \
	os.environ["SECRET_KEY"] = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50); \
	os.environ["DJANGO_SETTINGS_MODULE"] = "indexsite.settings"; \
	from django.core.management import execute_from_command_line; \
	execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])'

# Performance beside devpi-server and pypiserver (not part of `make test`):
# BENCH_ARGS="--rounds 1 --seconds 2" for a quick look, "--scale 100000" for the root index at scale.
bench: setup
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/observability.py $(BENCH_ARGS)
