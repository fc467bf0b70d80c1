# astrozoo: `make demo` fits every problem and writes reports/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test validate bench docs notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/astrozoo demo --out reports

test: $(STAMP)
	$(PY) -m pytest

validate: $(STAMP)
	$(PY) -m pytest -m slow

bench: $(STAMP)
	$(PY) bench/run.py --out bench/results

# The guide renders the notebooks stored by `make notebooks`; it executes nothing.
docs: $(STAMP)
	$(PY) -m pip install --quiet -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --config-file docs/mkdocs.yml --site-dir $(CURDIR)/site

# Executes notebooks/<field>.py at the tests' quick sizes into docs/<field>/notebook.ipynb.
notebooks: $(STAMP)
	$(PY) -m pip install --quiet -e '.[docs]'
	$(PY) docs/tools/render_notebooks.py

clean:
	rm -rf $(VENV) reports site bench/results
