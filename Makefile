# One documented command per action. `make run` and `make test` work on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run test install assets messages system-deps system-deps-test migrate load-data \
        worker lint fmt migrations-check check-deploy reset-local-db bench clean model-server \
        bench-pages bench-mixed profile-pages

run: install migrate load-data ## serve on http://127.0.0.1:8000 with a worker beside it
	@$(MANAGE) ensure_signing_cert
	@$(MANAGE) demo_accounts
	@bash scripts/run-dev.sh $(HOST)

test: install system-deps-test ## ruff, missing migrations, then the whole pytest suite (local PostgreSQL and Redis when they answer)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	@bash scripts/run-tests.sh

install: $(VENV)/.installed assets messages system-deps

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* static/vendor/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css \
	      node_modules/bootstrap-icons/font/fonts static/vendor/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/
	touch $@

messages: system-deps
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

system-deps:
	@bash scripts/system-deps.sh

system-deps-test:
	@bash scripts/system-deps.sh test

migrate:
	$(MANAGE) migrate --no-input -v 0

load-data: ## questionnaires and demo data; rerunning changes nothing
	$(MANAGE) load_questionnaires
	$(MANAGE) load_demo_data

worker:
	$(VENV)/bin/celery -A portal worker -l info --concurrency 2

model-server: ## a scripted OpenAI-compatible model on http://127.0.0.1:8199/v1 to try model tests
	$(PY) -m modeltests.fakeserver --port 8199

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check:
	$(MANAGE) makemigrations --check --dry-run

check-deploy:
	DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=portal.example.cn $(MANAGE) check --deploy --fail-level WARNING

reset-local-db:
	rm -f var/db.sqlite3
	rm -rf var/audit-checkpoints  # they vouch for the log of the database just removed
	$(MAKE) migrate load-data

# Page, autosave and mixed-load benchmarks (docs/benchmarks.md). Each recreates the PostgreSQL
# database it is given; bench-mixed also empties the Redis database it is given.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/portal_bench_pages
BENCH_MIXED_DB ?= postgres://postgres@127.0.0.1:5432/portal_bench_mixed

bench-pages: ## assessment page, review page and autosave under gunicorn, then the profile; BENCH_REDIS (emptied): with a real worker
	DATABASE_URL=$(BENCH_DB) $(PY) bench/bench_assessment_page.py $(if $(BENCH_REDIS),--worker $(BENCH_REDIS))
	DATABASE_URL=$(BENCH_DB) $(PY) bench/profile_pages.py --requests 20

profile-pages:
	DATABASE_URL=$(BENCH_DB) $(PY) bench/profile_pages.py --requests 20

bench-mixed: ## 40 users for 60 s; BENCH_REDIS=redis://127.0.0.1:6379/N (emptied) is required
	@test -n "$(BENCH_REDIS)" || { echo "set BENCH_REDIS to a Redis database the benchmark may empty"; exit 2; }
	DATABASE_URL=$(BENCH_MIXED_DB) CELERY_BROKER_URL=$(BENCH_REDIS) $(PY) bench/bench_mixed_load.py

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles
