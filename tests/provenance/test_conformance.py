"""sigstore-conformance bundle-verify cases, offline: every case gives its expected outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov.errors import PetgovError
from petgov.provenance.interface import TrustMaterial
from petgov.provenance.sigbundle import verify_file
from tests.conftest import CORPUS, corpus_path

BEACON = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
GITHUB = "https://token.actions.githubusercontent.com"
CASES_DIR = CORPUS / "provenance" / "sigstore-conformance" / "bundle-verify"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
# sigstore-python 4.5.1 gets these wrong (they are xfails in the conformance CI for it too).
KNOWN_ENGINE_GAPS = {
    "intoto-with-custom-trust-root": "sigstore-python: integrated time only for dsse 0.0.1",
    "trust-root-tsa-validity-end-inclusive": "sigstore-python: TSA validity end is exclusive",
}


def _case(name: str) -> tuple[Path, Path, TrustMaterial]:
    case = corpus_path("provenance", "sigstore-conformance", "bundle-verify", name)
    artifact = case / "artifact" if (case / "artifact").exists() else case.parent.parent / "a.txt"

    def read(file: str, default: str) -> str:
        return (case / file).read_text().strip() if (case / file).exists() else default

    root = case / "trusted_root.json"
    if not root.exists():
        root = corpus_path("provenance", "trust", "production_trusted_root.json")
    if (case / "key.pub").exists():
        trust = TrustMaterial(key=case / "key.pub", trust_root=root)
    else:
        trust = TrustMaterial(
            identity=read("identity", BEACON), issuer=read("issuer", GITHUB), trust_root=root
        )
    return artifact, case / "bundle.sigstore.json", trust


@pytest.mark.parametrize("name", CASES or ["<corpus absent>"])
def test_bundle_verify_case(name: str) -> None:
    if name in KNOWN_ENGINE_GAPS:
        pytest.xfail(KNOWN_ENGINE_GAPS[name])
    artifact, bundle, trust = _case(name)
    if name.endswith("_fail"):
        with pytest.raises(PetgovError):
            verify_file(artifact, bundle, trust)
    else:
        result = verify_file(artifact, bundle, trust)
        assert result.digest.startswith("sha256:")


def test_case_count_is_the_full_suite() -> None:
    corpus_path("provenance", "sigstore-conformance", "bundle-verify")
    assert len(CASES) == 70
