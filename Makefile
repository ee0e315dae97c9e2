# Two commands do everything on a fresh machine:
#   make run   - install, build the stylesheets, migrate, load the Bury demo data, serve on :8000
#   make test  - install and run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

PIP_TOOLS := pip-tools==7.6.2
# How the lock files are made from pyproject.toml (the direct dependencies, pinned): every
# indirect dependency pinned too, with no machine's index or wheel folder written in.
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

.PHONY: help run test install static migrate demo lint check typecheck lock worker beat clean

help:
	@echo "make run    install, migrate, load the Bury demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   install and run the whole test suite"
	@echo "make lint   ruff check"
	@echo "make check  migrations up to date, ruff check and format, complexity, mypy"
	@echo "make lock   re-make requirements.lock and requirements-test.lock from pyproject.toml"
	@echo "make worker / make beat   run a Celery worker / beat (needs REDIS_URL)"

$(PY):
	@PYTHON=$$(scripts/find_python.sh) && echo "Using $$PYTHON" && "$$PYTHON" -m venv $(VENV)

# Installs exactly the locked versions (direct and indirect); `make lock` after changing
# pyproject.toml's dependencies.
$(STAMP): requirements-test.lock | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.lock
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/dist/.built: $(STAMP) node_modules/.package-lock.json $(wildcard static/src/*.scss static/src/*/*.scss static/src/*.mjs) scripts/build_static.sh
	scripts/build_static.sh
	touch static/dist/.built

static: static/dist/.built

migrate: install
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=true $(PY) manage.py load_bury_demo --with-demo-users

run: install static demo
	DJANGO_DEBUG=true $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT) (stop with Ctrl-C)"
	DJANGO_DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

test: install static
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

check: install typecheck
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs on the files listed in pyproject.toml ([tool.mypy]).
typecheck: install
	DJANGO_SECRET_KEY=typecheck-only $(VENV)/bin/mypy

lock: | $(PY)
	$(PY) -m pip install --quiet $(PIP_TOOLS)
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra test --constraint requirements.lock \
		--output-file requirements-test.lock pyproject.toml

worker: install
	$(VENV)/bin/celery -A bury_hc worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A bury_hc beat --loglevel=INFO

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles
