# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed

# Local development runs in DEBUG (a development secret key, mail to var/mail/).
export DEBUG ?= 1

.PHONY: run test setup migrate clean bench

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
	$(BIN)/python manage.py createcachetable

run: migrate
	$(BIN)/python manage.py runserver localhost:8000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV)

# Performance beside devpi-server and pypiserver (not part of `make test`):
# BENCH_ARGS="--rounds 1 --seconds 2" for a quick look, "--scale 100000" for the root index at scale.
bench: setup
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
