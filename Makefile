# The two commands a new user runs (README): `make demo` and `make test`.
# Each installs whatever is missing first: Debian packages, then the Python environment.
# `make demo` runs the agent on a generated scene with the shipped checkpoints and ends by itself.

VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
APT_PACKAGES := mosquitto mosquitto-clients portaudio19-dev alsa-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-deps demo test bench clean

setup: system-deps $(VENV)/.installed

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,live]'
	@touch $@

demo: setup
	$(VENV)/bin/glasses-agent run --demo

test: setup
	$(PY) -m pytest -q

bench: setup
	$(VENV)/bin/glasses-agent bench replay

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
