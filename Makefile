# rnnlab course.  Two commands: `make lab` (learn) and `make test` (check everything).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300 -p no:randomly -n 2 --dist loadfile
ROOTFLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
# tests never touch a learner's own progress file
TESTENV := RNNLAB_PROGRESS=$(CURDIR)/.test-progress/progress.json

.PHONY: setup lab test test-unit test-notebooks test-browser test-robust build check-build execute grade gradebook progress doctor bench clean

setup: $(STAMP)

# the venv's kernels log errors only (ipython_kernel_config.json): no "running over TCP without
# encryption" warning in the terminal of `make lab` or `make test`
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rnnlab needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	mkdir -p $(VENV)/share/jupyter/lab/settings
	printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	    > $(VENV)/share/jupyter/lab/settings/overrides.json
	mkdir -p $(VENV)/etc/ipython
	printf '%s\n' '{"IPKernelApp": {"log_level": "ERROR"}}' > $(VENV)/etc/ipython/ipython_kernel_config.json
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOTFLAG) --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/lessons/00_welcome.ipynb

test: $(STAMP) test-unit check-build test-notebooks test-browser

test-unit: $(STAMP)
	$(TESTENV) $(PYTEST) -n 2 tests

check-build: $(STAMP)
	$(BIN)/python -m rnnlab build --check

test-notebooks: $(STAMP)
	$(TESTENV) $(PYTEST) $(NBVAL) lessons
	$(TESTENV) RNNLAB_STRICT=1 $(PYTEST) $(NBVAL) solutions

test-browser: $(STAMP)
	$(TESTENV) $(PYTEST) -p no:randomly browser_tests

# every solution executed again under another seed and thread count (ROBUST="--config mixed" for one)
test-robust: $(STAMP)
	$(BIN)/python -m rnnlab robust $(ROBUST)

build: $(STAMP)
	$(BIN)/python -m rnnlab build

# execute solution notebooks in place (all, or NB=solutions/02_hidden_state.ipynb), then build lessons
execute: $(STAMP)
	$(BIN)/python -m rnnlab execute $(NB)

grade: $(STAMP)
	$(BIN)/python -m rnnlab grade $(SUBMISSIONS) --out $(or $(OUT),grades) --jobs $(or $(JOBS),2) $(if $(MERGE),--merge)

# one row per learner: make gradebook GRADES="grades/02 grades/05" ROSTER=roster.csv [LMS=canvas LMS_OUT=canvas.csv]
gradebook: $(STAMP)
	$(BIN)/python -m rnnlab gradebook $(GRADES) --out $(or $(OUT),gradebook.csv) $(if $(ROSTER),--roster $(ROSTER)) $(if $(LMS),--lms $(LMS) --lms-out $(LMS_OUT))

progress: $(STAMP)
	$(BIN)/python -m rnnlab progress

doctor: $(STAMP)
	$(BIN)/python -m rnnlab doctor

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf .test-progress .pytest_cache build *.egg-info
