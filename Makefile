# The two commands: `make run` (the demo on embedded defaults) and `make test` (every test).
PY := .venv/bin/python
# Tests run on the machine's PostgreSQL and Redis.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/visa
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: setup run test

setup: .venv/.installed node_modules/.installed

# The tests' packages too (requirements-test.txt includes requirements.txt): one venv serves both commands.
.venv/.installed: requirements.txt requirements-test.txt
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	bash deploy/run-demo.sh

test: setup
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v Xvnc >/dev/null || missing="$$missing tigervnc-standalone-server"; \
	  command -v nginx >/dev/null || missing="$$missing nginx"; \
	  if [ -n "$$missing" ]; then echo "make test needs Debian's$$missing (browser tests, real X desktops, the shipped nginx site): apt-get install$$missing"; exit 1; fi
	$(PY) manage.py collectstatic --noinput -v0
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)
