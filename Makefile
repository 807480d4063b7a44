# The two commands of the README: `make demo` and `make test`.
# Everything installs into .venv; nothing outside it but, in CI, Debian's chromium.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench screenshots clean browser peer

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[portal,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/famille-tui demo

# In CI the end-to-end tests must run, so the browser they drive is installed first.
browser:
	@if [ "$$CI" = "true" ] && ! { command -v chromium && command -v tmux; } >/dev/null 2>&1; then \
		echo "Installation de chromium et tmux pour les tests de bout en bout"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium tmux >/dev/null; \
	fi

# The real Noethysweb (tests/noethysweb) is built by ../shared/peers/noethysweb/start.sh from
# PyPI with Python 3.11 and waited for with curl; its build is cached in ~/.cache/famille-tui.
peer:
	@if [ "$$CI" = "true" ] && ! { command -v curl && { command -v python3.11 || \
		python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; }; } >/dev/null 2>&1; then \
		echo "Installation de curl et python3.11 pour le pair Noethysweb"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl python3.11 python3.11-venv >/dev/null; \
	fi

test: $(STAMP) browser peer
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check famille_tui tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python tests/bench/run.py

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
