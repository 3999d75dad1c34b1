"""petgov's validator: official CycloneDX ML examples pass, mutated copies fail with a path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from petgov.bom import validate
from petgov.errors import OutputError
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

EXAMPLES = (
    "valid-machine-learning",
    "valid-machine-learning-considerations-env",
    "valid-component-data",
)


def _example(name: str, spec: str) -> dict[str, Any]:
    path = corpus_path("aibom", "cyclonedx-examples", f"{name}-{spec}.json")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


@pytest.mark.parametrize("spec", validate.SPECS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_official_examples_pass(name: str, spec: str) -> None:
    assert validate.problems(_example(name, spec), spec) == []


@pytest.mark.parametrize("spec", validate.SPECS)
def test_formulation_example_is_schema_valid_but_its_refs_dangle(spec: str) -> None:
    """The published formulation example is a shape demo: its refs name components it lacks.

    The schema accepts it; petgov's reference check (which the schema does not do) does not.
    """
    doc = _example("valid-formulation", spec)
    assert validate.schema_problems(doc, spec) == []
    dangling = validate.reference_problems(doc)
    assert dangling
    assert all(p.path.startswith("$.formulation[0]") for p in dangling)
    assert all("names no bom-ref" in p.message for p in dangling)


def _ml_example(spec: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = _example("valid-machine-learning", spec)
    model = next(c for c in doc["components"] if c["type"] == "machine-learning-model")
    return doc, model


@pytest.mark.parametrize("spec", validate.SPECS)
def test_dangling_reference_fails_with_its_path(spec: str) -> None:
    doc, model = _ml_example(spec)
    model["modelCard"]["modelParameters"]["datasets"] = [{"ref": "no-such-dataset"}]
    found = validate.problems(doc, spec)
    assert len(found) == 1
    assert "no-such-dataset" in found[0].message
    assert found[0].path.endswith("modelCard.modelParameters.datasets[0].ref")


@pytest.mark.parametrize("spec", validate.SPECS)
def test_duplicate_bom_ref_fails(spec: str) -> None:
    doc, model = _ml_example(spec)
    twin = copy.deepcopy(model)
    twin["name"] = "another model"  # not identical, so the schema's uniqueItems cannot see it
    doc["components"].append(twin)
    found = validate.problems(doc, spec)
    assert any("duplicate bom-ref" in p.message for p in found)
    assert all(p.path.startswith("$.components[") for p in found)


@pytest.mark.parametrize("spec", validate.SPECS)
def test_bad_enum_fails_schema_with_path(spec: str) -> None:
    doc, model = _ml_example(spec)
    model["modelCard"]["modelParameters"]["approach"] = {"type": "fine-tuning"}
    (problem,) = validate.problems(doc, spec)
    assert "approach" in problem.path
    assert "fine-tuning" in problem.message
    with pytest.raises(OutputError) as err:
        validate.check(doc, spec)
    assert "approach" in err.value.message
    assert len(err.value.message) < 600  # the path and the reason, never the whole document


def test_unsupported_spec_is_an_error() -> None:
    with pytest.raises(OutputError):
        validate.problems({}, "1.4")
