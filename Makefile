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

.PHONY: build test test-rust test-python unasync-check lint first-call clean generate check-generated

## build: install the package in editable mode with its test extras (Rust extension built once)
build: $(BUILD_STAMP)

$(BUILD_STAMP): $(RUST_SOURCES)
	MATURIN_PEP517_ARGS="--profile $(PROFILE)" $(PYTHON) -m pip install -e '.[test]'
	@mkdir -p $(@D) && rm -f target/.procore-build-* && touch $@

## test: build if needed, then every Rust test and every Python test
test: build unasync-check test-rust
	$(PYTHON) -m pytest

## test-rust: the core and mock tests, then the unit tests of the pyo3 layer (JSON to Python)
test-rust:
	cargo test --no-default-features --profile $(PROFILE)
	PYO3_PYTHON=$$(command -v $(PYTHON)) cargo test --profile $(PROFILE) --features python --lib python::

test-python: build unasync-check
	$(PYTHON) -m pytest

## generate: run every generator (scripts/gen_*.py); each writes its outputs from spec/
GENERATORS := $(sort $(wildcard scripts/gen_*.py))
# What the generators write (committed; `check-generated` fails when it differs).
GENERATED := src/core/catalog/operations.rs python/procore/_namespaces.pyi docs/api.md \
	src/core/catalog/types.rs src/mock/routes.rs python/procore/models.pyi

generate:
	@set -e; for g in $(GENERATORS); do echo "+ $(PYTHON) $$g"; $(PYTHON) $$g; done

## check-generated: regenerate, then fail when a generated file differs from the committed one
check-generated: generate
	git diff --exit-code -- $(GENERATED)
	@test -z "$$(git status --porcelain -- $(GENERATED))" || \
		{ git status --short -- $(GENERATED); echo "generated files are not committed"; exit 1; }

## unasync-check: the sync test suites are what scripts/unasync.py makes of the async ones
unasync-check:
	$(PYTHON) scripts/unasync.py --check

## lint: formatting and clippy, without and with the python feature; generated tests and
## generated files current
lint: unasync-check check-generated
	cargo fmt --all -- --check
	cargo clippy --all-targets --no-default-features -- -D warnings
	PYO3_PYTHON=$$(command -v $(PYTHON)) cargo clippy --all-targets --features python -- -D warnings

## first-call: the README's first call (against the mock unless PROCORE_CLIENT_ID is set)
first-call: build
	$(PYTHON) examples/first_call.py

clean:
	rm -f target/.procore-build-*
	cargo clean

# ---------------------------------------------------------------------------------------------
# Distribution: the wheel to publish and the sdist (README, Install). The tools (maturin, zig
# from PyPI's ziglang, auditwheel; pinned in scripts/wheel-tools.txt) get a virtualenv of their
# own, so neither the developers' environment nor CI's interpreter is changed by them.

WHEEL_TOOLS := target/wheel-tools
DIST := target/dist

.PHONY: wheel-tools wheel sdist check-wheel check-sdist

wheel-tools: $(WHEEL_TOOLS)/.installed

$(WHEEL_TOOLS)/.installed: scripts/wheel-tools.txt
	rm -rf $(WHEEL_TOOLS)
	$(PYTHON) -m venv $(WHEEL_TOOLS)
	$(WHEEL_TOOLS)/bin/python -m pip install -r scripts/wheel-tools.txt
	# maturin looks for `zig` on PATH: the one the ziglang wheel carries.
	ln -sf "$$($(WHEEL_TOOLS)/bin/python -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')" $(WHEEL_TOOLS)/bin/zig
	touch $@

## wheel: the wheel to publish: abi3 (CPython 3.9+), manylinux2014 x86_64 (glibc 2.17), release
## profile, linked by zig against glibc 2.17, stripped, into target/dist
wheel: wheel-tools
	rm -f $(DIST)/procore-*.whl
	PATH="$(CURDIR)/$(WHEEL_TOOLS)/bin:$$PATH" maturin build --release --zig --compatibility manylinux2014 --out $(DIST)

## sdist: the source distribution (needs a Rust toolchain to install), into target/dist
sdist: wheel-tools
	rm -f $(DIST)/procore-*.tar.gz
	$(WHEEL_TOOLS)/bin/maturin sdist --out $(DIST)

## check-wheel: auditwheel, then the wheel installed without Rust under CPython 3.9, 3.13 and
## this one, with each extra (scripts/check_wheel.py)
check-wheel: wheel
	$(WHEEL_TOOLS)/bin/python scripts/check_wheel.py

## check-sdist: the sdist, installed with pip (a release build), gives the wheel's package
check-sdist: wheel sdist
	$(WHEEL_TOOLS)/bin/python scripts/check_wheel.py --sdist $(DIST)/procore-*.tar.gz
