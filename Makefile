# One entry point for each routine. `make test` is the command that builds and runs every test.

PYTHON ?= python3
# Cargo profile of the tests' build: `test-build` (optimised, quick to compile; the default),
# `release` (what `pip install .` ships: fat LTO, slow to compile) or `dev`.
PROFILE ?= test-build

# The extension is rebuilt only when one of these is newer than the last build.
RUST_SOURCES := $(shell find src -name '*.rs' 2>/dev/null) Cargo.toml Cargo.lock pyproject.toml
BUILD_STAMP := target/.procore-build-$(PROFILE)

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_ROOT_USER_ACTION := ignore

.PHONY: build test test-rust test-python lint first-call clean generate check-generated

## build: install the package in editable mode with its test extras (Rust extension built once)
build: $(BUILD_STAMP)

$(BUILD_STAMP): $(RUST_SOURCES)
	MATURIN_PEP517_ARGS="--profile $(PROFILE)" $(PYTHON) -m pip install -e '.[test]'
	@mkdir -p $(@D) && rm -f target/.procore-build-* && touch $@

## test: build if needed, then every Rust test and every Python test
test: build test-rust
	$(PYTHON) -m pytest

## test-rust: the core and mock tests, then the unit tests of the pyo3 layer (JSON to Python)
test-rust:
	cargo test --no-default-features --profile $(PROFILE)
	PYO3_PYTHON=$$(command -v $(PYTHON)) cargo test --profile $(PROFILE) --features python --lib python::

test-python: build
	$(PYTHON) -m pytest

## generate: regenerate the typed-record tables, the mock's routes and the model stubs from spec/
generate:
	$(PYTHON) scripts/gen_types.py

## check-generated: fail when regenerating would change a committed generated file
check-generated:
	$(PYTHON) scripts/gen_types.py --check

## lint: formatting and clippy, without and with the python feature
lint: check-generated
	cargo fmt --all -- --check
	cargo clippy --all-targets --no-default-features -- -D warnings
	PYO3_PYTHON=$$(command -v $(PYTHON)) cargo clippy --all-targets --features python -- -D warnings

## first-call: the README's first call (against the mock unless PROCORE_CLIENT_ID is set)
first-call: build
	$(PYTHON) examples/first_call.py

clean:
	rm -f target/.procore-build-*
	cargo clean
