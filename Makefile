# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PETGOV := $(VENV)/bin/petgov
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m petgov.demo demo-artifacts
	@echo "--- petgov scan demo-artifacts/model demo-artifacts/data (exit 1 is expected: the demo pickle fails the gate)"
	$(PETGOV) scan demo-artifacts/model demo-artifacts/data; status=$$?; echo "petgov exit code: $$status"; test $$status -le 1
	@echo "--- petgov bom: a validated CycloneDX 1.6 ML-BOM of the demo model"
	$(PETGOV) bom demo-artifacts/model -o demo-artifacts/out/model.cdx.json
	@echo "--- petgov sign / verify (a signature proves origin and integrity, not safety)"
	rm -f demo-artifacts/out/model.sig  # petgov sign never overwrites a signature
	$(PETGOV) sign demo-artifacts/model --key demo-artifacts/keys/demo-signing.pem -o demo-artifacts/out/model.sig
	$(PETGOV) verify demo-artifacts/model --signature demo-artifacts/out/model.sig --key demo-artifacts/keys/demo-signing.pub.pem

lint: $(STAMP)
	$(VENV)/bin/ruff check petgov tests benchmarks
	$(VENV)/bin/ruff format --check petgov tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

test: lint typecheck unit

# The property suites with a longer, freshly random budget (make test runs 100 fixed examples).
FUZZ_EXAMPLES ?= 2000
FUZZ_SUITES := tests/formats/test_fuzz.py tests/scanners/test_pickle_fuzz.py \
	tests/targets/test_archive_fuzz.py tests/attestation/test_fuzz.py
fuzz: $(STAMP)
	PETGOV_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n 2 -q $(FUZZ_SUITES)

# Anchors the benchmarks compare against (not petgov dependencies), in their own venv.
ANCHORS := bench-out/anchors
$(ANCHORS)/.stamp:
	python3 -m venv $(ANCHORS)
	$(ANCHORS)/bin/pip install -q --disable-pip-version-check picklescan modelaudit
	touch $@

bench: $(STAMP) $(ANCHORS)/.stamp
	for b in benchmarks/[!_]*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-artifacts .pytest_cache .mypy_cache .ruff_cache
