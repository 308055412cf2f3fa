"""Property: any config file either loads or raises ConfigError with the file's name — never
another exception, and never a secret in the message."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit_tui.config import ConfigError, resolve
from orbit_tui.config_schema import KEY_SOURCES, ConfigFile, Profile, Settings

SECRET = "dv_live_sk_fuzzsecretfuzzsecret99"
KNOWN = sorted(
    {*ConfigFile.model_fields, *Profile.model_fields, *Settings.model_fields, "profiles", "work"}
)

names = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=8))
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.just("https://x.example/api/v1"),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(names, values, max_size=5)


@st.composite
def with_secret(draw: st.DrawFn) -> dict[str, Any]:
    """A document whose only secret sits in profiles.work.api_key, next to random mistakes."""
    document = draw(documents)
    profile = draw(st.dictionaries(names, values, max_size=4))
    profile["api_key"] = draw(st.one_of(st.just(SECRET), st.just([SECRET]), st.just({"k": SECRET})))
    document["profiles"] = {"work": profile}
    document["default_profile"] = "work"
    return document


def check(path: Path) -> None:
    # ORBIT_API_KEY set: a generated api_key_command is never run.
    env = {"ORBIT_TUI_CONFIG": str(path), "ORBIT_API_KEY": "dv_test_sk_fuzzfuzzfuzzfuzz00"}
    try:
        resolve(env=env)
    except ConfigError as exc:
        message = str(exc)
        assert str(path) in message or "$ORBIT" in message or "--" in message
        assert SECRET not in message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(documents, with_secret()))
def test_any_toml_document_loads_or_fails_clearly(document: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        path.chmod(0o600)
        check(path)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_loads_or_fails_clearly(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        path.chmod(0o600)
        check(path)


@settings(max_examples=60, deadline=None)
@given(
    sources=st.lists(st.sampled_from(KEY_SOURCES), max_size=3, unique=True),
    read_only=st.one_of(st.booleans(), st.text(max_size=3), st.integers()),
)
def test_profile_shapes(sources: list[str], read_only: Any) -> None:
    profile: dict[str, Any] = {source: "ORBIT_X" for source in sources}
    profile["read_only"] = read_only
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(
            tomli_w.dumps({"default_profile": "p", "profiles": {"p": profile}}), encoding="utf-8"
        )
        path.chmod(0o600)
        try:
            resolve(env={"ORBIT_TUI_CONFIG": str(path), "ORBIT_API_KEY": "k" * 20})
            ok = True
        except ConfigError:
            ok = False
    assert ok == (len(sources) == 1 and isinstance(read_only, bool))
