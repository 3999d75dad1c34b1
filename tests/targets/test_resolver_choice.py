"""A target without a scheme goes to the local resolver without importing the remote ones."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from petgov.targets.interface import TargetResolver, resolvers
from petgov.targets.local import LocalResolver

_SCHEMES = ["hf://", "s3://", "gs://", "gcs://", "https://", "http://", "file://", "ftp://"]


def _first(target: str, candidates: Sequence[TargetResolver]) -> type | None:
    """The resolver class that takes ``target`` (None: no resolver, a TargetError)."""
    found = next((r for r in candidates if r.accepts(target)), None)
    return None if found is None else type(found)


@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(lambda s, t: s + t, st.sampled_from(_SCHEMES), st.text(max_size=20)),
        st.builds(lambda t, s: t + s, st.text(max_size=10), st.sampled_from(_SCHEMES)),
    )
)
def test_the_same_resolver_takes_every_target(target: str) -> None:
    assert _first(target, resolvers(target)) is _first(target, resolvers())
    if "://" not in target:
        assert [type(r) for r in resolvers(target)] == [LocalResolver]


def test_remote_resolvers_need_a_scheme() -> None:
    remote = [r for r in resolvers() if not isinstance(r, LocalResolver)]
    assert len(remote) == 3
    for target in ["model.pkl", "hf:/x", "s3:/b/k", "https:/x", "/tmp/hf", "./https"]:
        assert not any(r.accepts(target) for r in remote)
    for target in ["hf://org/m", "s3://b/k", "gs://b/k", "https://h/x"]:
        assert _first(target, resolvers(target)) not in (None, LocalResolver)
