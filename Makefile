# make run  — set up everything (venv, Python and npm packages, database, demo data) and serve
# make test — set up the same and run the whole test suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app webapp
VENDOR := webapp/static/vendor
export SESSION_COOKIE_SECURE ?= 0
export SHOW_DEMO_LOGINS ?= 1
TEST_WORKERS ?= 2

.PHONY: run test setup venv assets translations database demo serve worker bench province clean

run: setup demo serve

test: venv assets translations
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

setup: venv assets translations database

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

assets: $(VENDOR)/.installed
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bpmn-js $(VENDOR)/dmn-js $(VENDOR)/chart.js
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font $(VENDOR)/bootstrap-icons
	cp node_modules/bpmn-js/dist/bpmn-viewer.production.min.js node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/assets
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js node_modules/dmn-js/dist/dmn-viewer.production.min.js $(VENDOR)/dmn-js/
	cp -r node_modules/dmn-js/dist/assets $(VENDOR)/dmn-js/assets
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.js/
	mkdir -p $(VENDOR)/axe-core && cp node_modules/axe-core/axe.min.js $(VENDOR)/axe-core/  # browser tests' accessibility check
	touch $@

translations: venv
	for po in $$(find webapp/translations -name '*.po'); do \
	  $(VENV)/bin/pybabel compile -f -i $$po -o $${po%.po}.mo > /dev/null || exit 1; done

instance/secret_key:
	mkdir -p instance && $(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@

database: venv instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) setup

demo: database
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) seed-demo

serve:  # the web server and, beside it, the timer worker (one sweep a minute); Ctrl-C stops both
	export SECRET_KEY=$$(cat instance/secret_key); \
	$(FLASK) timers run --loop --interval 60 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

bench: venv translations
	$(PY) bench/engine.py
	$(PY) bench/state_codec.py
	$(PY) bench/web.py
	$(PY) bench/throughput.py
	$(PY) bench/timers.py
	$(PY) bench/import.py
	$(PY) bench/refusals.py
	$(PY) bench/overdue.py
	$(PY) bench/simulate.py
	$(PY) bench/credit_rating.py
	$(PY) bench/history.py
	$(PY) bench/lists.py

LOANS ?= 1000000
TOWNSHIPS ?= 400
province: venv translations  # make province DATABASE_URL=postgresql+psycopg://…/province (a database to create)
	test -n "$(DATABASE_URL)" || { echo "make province DATABASE_URL=postgresql+psycopg://…/<new database>"; exit 2; }
	$(PY) bench/portfolio.py --database-url "$(DATABASE_URL)" --loans $(LOANS) --townships $(TOWNSHIPS)
	$(PY) bench/province.py --database-url "$(DATABASE_URL)"

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
