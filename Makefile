# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench dlib-openblas clean

$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

install: $(VENV)/.installed

run: install
	bin/run-local

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install lint
	$(BIN)/pytest

# The pipeline bench (bench/README.md): whole analyze_video commands on clips made from the test data,
# the fer comparison, memory by video length. Long: BENCH_ARGS=--quick skips the 30-minute case.
bench: install
	nice -n 10 $(BIN)/python -m bench.pipeline $(BENCH_ARGS)

# Optional: dlib compiled against OpenBLAS encodes a face ~4x faster than the dlib-bin wheel, which has
# no BLAS. Replaces dlib-bin in the venv; compiling takes ~12 minutes on 2 cores. `make run` does not
# need it. A later reinstall of requirements.txt (after it changes) brings dlib-bin back over it.
DLIB_VERSION := 20.0.1
dlib-openblas: install
	@pkg-config --exists openblas 2>/dev/null || apt-get install -y libopenblas-dev pkg-config || \
		{ echo "Install OpenBLAS headers first: apt-get install -y libopenblas-dev pkg-config"; exit 1; }
	@command -v c++ >/dev/null || { echo "A C++ compiler is needed: apt-get install -y build-essential"; exit 1; }
	$(BIN)/pip uninstall --yes dlib-bin
	$(BIN)/pip install --no-binary dlib dlib==$(DLIB_VERSION)
	$(BIN)/python -c "import dlib; assert dlib.DLIB_USE_BLAS, 'dlib built without BLAS'; print('dlib', dlib.__version__, 'with BLAS')"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
