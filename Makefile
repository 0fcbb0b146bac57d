# The course's commands. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NB ?=

# One deterministic environment for notebooks, tests, refreshes and training: rnncourse/env.py's SETTINGS,
# written out so that make needs no Python before the venv exists (tests/course/test_environment.py
# checks that the two agree).
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export TF_DETERMINISTIC_OPS := 1
export TF_NUM_INTRAOP_THREADS := 2
export TF_NUM_INTEROP_THREADS := 1
export KERAS_BACKEND := tensorflow
export CUDA_VISIBLE_DEVICES :=
unexport MPLBACKEND

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg \
	--nbval-cell-timeout 600 --nbval-kernel-startup-timeout 120 -p no:cacheprovider

.PHONY: help install data run test lint format unit notebooks refresh weights exercises exercises-check export export-check test-portable test-pip test-compat lab test-browser bench clean-notebooks clean

help:
	@echo "make run        set up, then execute every notebook into build/ (with HTML copies)"
	@echo "make test       set up, then unit tests + every notebook under strict nbval"
	@echo "make lint       check the code style (ruff; make format applies it)"
	@echo "make test-portable  strict nbval again with oneDNN on, then with one thread (outputs must not change)"
	@echo "make test-pip   a fresh venv set up as Binder does (pip install -r requirements.txt, postBuild), every lesson executed"
	@echo "make test-compat  the oldest supported TensorFlow/Keras/NumPy: unit tests and every lesson under nbval --nbval-lax"
	@echo "make lab        open JupyterLab on the exercise notebooks"
	@echo "make test-browser  JupyterLab and the HTML pages in headless Chromium (needs chromium, chromium-driver)"
	@echo "make refresh    re-execute notebooks in place (NB=path for one) to update stored outputs"
	@echo "make weights    retrain every pre-trained model and experiment into weights/ (about 3 h 32 min on 2 cores)"
	@echo "make exercises  regenerate exercises/ from the lesson notebooks"
	@echo "make clean-notebooks  strip volatile metadata (execution timestamps) from notebooks/ and exercises/"
	@echo "make export     regenerate the library modules taught in the lessons (# export: cells)"
	@echo "make bench      measure notebooks, models and loaders into benchmarks/"

install: $(VENV)/.installed

# requirements.txt ends with `-e .` (the course itself). It is built with the pinned setuptools and
# wheel installed first (--no-build-isolation), so no separate build environment is downloaded.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $$(grep -E '^(setuptools|wheel)==' requirements.txt)
	$(PY) -m pip install --quiet --no-build-isolation -r requirements.txt
	touch $@

data: install
	$(PY) -c "from rnncourse.data import imdb_files; imdb_files('bundled')"

run: data
	$(PY) -m rnncourse.tools.notebooks run $(NB)

unit: data
	$(PY) -m rnncourse.tools.bench --check-readme
	$(PY) -m pytest tests -q -p no:cacheprovider

notebooks: data
	$(PY) -m pytest $(NBVAL) $(or $(NB),notebooks)

test: exercises-check export-check lint unit notebooks

# One code style (configured in pyproject.toml): `make lint` checks it, `make format` applies it.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The stored outputs must not depend on float round-off: strict nbval again with oneDNN's kernels,
# then with a single thread (stand-ins for another CPU); the stored outputs stay as they are.
test-portable: data
	TF_ENABLE_ONEDNN_OPTS=1 $(PY) -m pytest $(NBVAL) $(or $(NB),notebooks)
	TF_NUM_INTRAOP_THREADS=1 $(PY) -m pytest $(NBVAL) $(or $(NB),notebooks)

refresh: data
	$(PY) -m rnncourse.tools.notebooks refresh $(NB)

weights: data
	$(PY) -m rnncourse.tools.train

exercises: install
	$(PY) -m rnncourse.tools.exercises

exercises-check: install
	$(PY) -m rnncourse.tools.exercises --check

export: install
	$(PY) -m rnncourse.tools.export

# refresh and exercises already write clean notebooks; this cleans notebooks saved from JupyterLab.
clean-notebooks: install
	$(PY) -m rnncourse.tools.clean

export-check: install
	$(PY) -m rnncourse.tools.export --check

# Slow (a fresh environment each, in a temporary folder; see rnncourse/tools/installs.py), not part of make test:
# the course as Binder/JupyterHub installs it, and with the oldest versions it supports.
test-pip:
	$(PYTHON) -m rnncourse.tools.installs pip

test-compat:
	$(PYTHON) -m rnncourse.tools.installs compat

# --allow-root only when run as root (e.g. in a container): JupyterLab refuses root without it.
lab: install
	$(VENV)/bin/jupyter lab $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) exercises/

# A real browser: one exercise solved in JupyterLab, then every build/*.html offline. The HTML pages
# come from `make run` when newer than their notebooks, else from the notebooks' stored outputs.
test-browser: data
	$(PY) -m rnncourse.tools.notebooks html
	$(PY) -m pytest tests/browser -q -p no:cacheprovider

bench: data
	$(PY) -m rnncourse.tools.bench

clean:
	rm -rf build data/cache
