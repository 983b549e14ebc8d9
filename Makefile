# sheqing — the two commands: `make demo` and `make test`. `make bench` prints each stage's throughput.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench clean system-deps

# System packages: a CJK font for the Chinese labels of charts (e-mails, daily brief, web page), and Chromium
# with its driver for the web page's browser tests. Installed with
# apt-get only when missing (CI machines start without them; you need root or sudo the first time).
SYSTEM_PACKAGES := fonts-noto-cjk chromium chromium-driver
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,transformers,airflow]'
	touch $@

demo: $(VENV)/.installed system-deps
	$(BIN)/sheqing demo

test: $(VENV)/.installed system-deps
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf var .pytest_cache
