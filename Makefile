# sheqing — the two commands: `make demo` and `make test`. `make bench` prints each stage's throughput.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,transformers]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/sheqing demo

test: $(VENV)/.installed
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf var .pytest_cache
