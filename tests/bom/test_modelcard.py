"""Model-card and config facts from real Hugging Face metadata files (offline)."""

from __future__ import annotations

import hashlib
import json

import pytest

from petgov.modelcard import card_facts, is_lfs_pointer
from tests.bom.conftest import card_dir

pytestmark = pytest.mark.corpus


def _files(name: str) -> dict[str, bytes]:
    root = card_dir(name)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_minilm_card_lists_every_dataset_and_no_base_model() -> None:
    facts = card_facts(_files("all-MiniLM-L6-v2"))
    assert facts["modelcard.license"] == "apache-2.0"
    assert len(facts["modelcard.datasets"]) == 21
    assert "embedding-data/WikiAnswers" in facts["modelcard.datasets"]
    assert "modelcard.base_model" not in facts
    assert facts["modelcard.pipeline_tag"] == "sentence-similarity"
    assert facts["config.architectures"] == ["BertModel"]
    assert facts["config.model_type"] == "bert"
    # an architecture without a head: no task is made up from it
    assert "config.task" not in facts


def test_qwen_gguf_card_has_base_model_and_license_link() -> None:
    facts = card_facts(_files("Qwen2.5-0.5B-Instruct-GGUF"))
    assert facts["modelcard.base_model"] == ["Qwen/Qwen2.5-0.5B"]
    assert facts["modelcard.license_link"].endswith("/Qwen/Qwen2.5-0.5B-Instruct/blob/main/LICENSE")
    assert facts["modelcard.license"] == "apache-2.0"


def test_peft_adapter_card_has_no_license() -> None:
    facts = card_facts(_files("flowertune-tinyllama-peft-adapter"))
    assert facts["modelcard.base_model"] == ["TinyLlama/TinyLlama-1.1B-Chat-v1.0"]
    assert facts["modelcard.library_name"] == "peft"
    assert "modelcard.license" not in facts


def test_tinyllama_chat_template_is_recorded_by_digest() -> None:
    files = _files("TinyLlama-1.1B-Chat-v1.0")
    facts = card_facts(files)
    sources = facts["chat_template.sources"]
    digests = dict(zip(sources, facts["chat_template.sha256"], strict=True))
    expected = hashlib.sha256(files["chat_template.jinja"]).hexdigest()
    assert digests["chat_template.jinja"] == expected
    assert facts["config.task"] == "text-generation"  # LlamaForCausalLM
    assert facts["config.task_inferred"] is True
    assert "modelcard.present" not in facts  # no README in this folder


def test_distilbert_task_is_inferred_from_labels() -> None:
    facts = card_facts(_files("distilbert-base-uncased-finetuned-sst-2-english"))
    assert facts["config.finetuning_task"] == "sst-2"
    assert facts["config.labels"] == ["NEGATIVE", "POSITIVE"]
    assert facts["config.task"] == "text-classification"
    assert facts["config.task_inferred"] is True


def test_lfs_pointer_is_recognised() -> None:
    pointer = (card_dir("all-MiniLM-L6-v2") / "model.safetensors.lfs-pointer").read_bytes()
    assert is_lfs_pointer(pointer)
    assert not is_lfs_pointer(b"\x00" * 64)


def test_malformed_front_matter_is_a_fact_not_a_crash() -> None:
    facts = card_facts({"README.md": b"---\nlicense: [unclosed\n---\n# Model\n\nText.\n"})
    assert facts["modelcard.metadata"] is False
    assert "modelcard.error" in facts
    assert facts["modelcard.description"] == "Text."


def test_card_without_front_matter_and_hostile_config() -> None:
    facts = card_facts({"README.md": b"# Title\n\nJust prose.\n", "config.json": b"[1, 2"})
    assert facts["modelcard.metadata"] is False
    assert not any(k.startswith("config.") for k in facts)


def test_model_index_results_become_eval_facts() -> None:
    card = {
        "license": "mit",
        "model-index": [
            {
                "name": "m",
                "results": [
                    {
                        "task": {"type": "text-classification"},
                        "dataset": {"type": "glue", "name": "GLUE SST-2", "split": "validation"},
                        "metrics": [{"type": "accuracy", "value": 0.91}],
                    }
                ],
            }
        ],
    }
    import yaml

    text = "---\n" + yaml.safe_dump(card) + "---\n# m\n"
    facts = card_facts({"README.md": text.encode()})
    (result,) = facts["modelcard.eval_results"]
    assert result["metric_type"] == "accuracy"
    assert result["metric_value"] == 0.91
    assert result["dataset_split"] == "validation"
    json.dumps(facts)  # facts are JSON


PLAIN_CARDS = [
    "---\nlicense: mit\ntags: [a, b, a]\nbase_model: org/x\nempty:\n---\n# Card\n",
    "---\ntags: solo\nlanguage: [en, fr]\nco2_eq_emissions: {emissions: 12.5}\n---\ntext",
    "---\n---\nno metadata at all",
    "  ---\r\nlicense: apache-2.0\r\ndatasets: [d1]\r\n---   \r\nbody",
    "---\nlicense: other\nlicense_name: custom\nmodel_name: m\npipeline_tag: fill-mask\n---\n",
]
# Cards the plain reader hands to huggingface_hub (eval results, odd shapes, errors).
OTHER_CARDS = [
    "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n"
    "    dataset: {type: d, name: n}\n    metrics: [{type: acc, value: 0.9}]\n---\n",
    "---\ntags: {a: 1}\n---\n",
    "---\n1: one\n---\n",
    "---\n- a list\n---\n",
    "---\nlicense: [unclosed\n---\n",
]


@pytest.mark.parametrize("text", PLAIN_CARDS + OTHER_CARDS)
def test_card_metadata_reads_as_huggingface_hub_reads_it(text: str) -> None:
    """The plain YAML reader (no huggingface_hub import) agrees with ModelCard on every card."""
    from petgov import modelcard

    def outcome(parse: object) -> object:
        try:
            return parse(text)  # type: ignore[operator]
        except Exception as exc:
            return type(exc).__name__

    assert outcome(modelcard._parse_metadata) == outcome(modelcard._parse_metadata_hf)


def test_corpus_cards_read_without_huggingface_hub() -> None:
    """The real cards of the corpus: same facts as huggingface_hub's parser gives."""
    import subprocess
    import sys

    probe = (
        "import json, sys\nfrom pathlib import Path\nfrom petgov.modelcard import _parse_metadata\n"
        "out = {p: _parse_metadata(Path(p).read_text()) for p in sys.argv[1:]}\n"
        "print(json.dumps({'hf': 'huggingface_hub' in sys.modules, 'out': out}, default=str))"
    )
    cards = [
        str(card_dir(n) / "README.md") for n in ("all-MiniLM-L6-v2", "Qwen2.5-0.5B-Instruct-GGUF")
    ]
    done = subprocess.run([sys.executable, "-c", probe, *cards], capture_output=True, text=True)
    result = json.loads(done.stdout)
    assert result["hf"] is False
    from pathlib import Path

    from petgov.modelcard import _parse_metadata_hf

    for card in cards:
        expected = json.loads(json.dumps(_parse_metadata_hf(Path(card).read_text()), default=str))
        assert result["out"][card] == expected
