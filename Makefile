# Set-up and the two everyday jobs. `make demo` and `make test` each do all set-up on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install browser bench docs-figures docs-figures-slow clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip setuptools wheel
	$(PY) -m pip install -q -c constraints.txt -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the review page's browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ] || \
	  { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium not installed: browser tests will be skipped"; }

demo: $(STAMP)
	$(VENV)/bin/spacevista demo --out demo_out

test: $(STAMP) browser
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# The figures README.md and docs/ quote, rewritten from the commands that print them (scripts/docs_figures.py).
docs-figures: $(STAMP)
	$(PY) scripts/docs_figures.py

docs-figures-slow: $(STAMP)
	$(PY) scripts/docs_figures.py robustness

clean:
	rm -rf $(VENV) demo_out
