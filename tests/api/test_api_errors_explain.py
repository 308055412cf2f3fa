"""Every error explains itself to a support agent, with the request id, and never a key."""

from __future__ import annotations

import pytest

from orbit_tui.api import errors as E

KEY = "dv_live_sk_explain_77aa88bb99cc"

ALL = [
    E.OrbitError, E.AuthError, E.PermissionDeniedError, E.NotFoundError, E.ValidationError,
    E.InvalidCursorError, E.ConflictError, E.RateLimitedError, E.ServerError, E.NetworkError,
    E.RequestTimeoutError, E.UnsupportedError,
]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_explain_says_what_why_what_to_do_and_the_request_id(cls: type[E.OrbitError]) -> None:
    error = cls("something went wrong", status=418, request_id="req_abc123",
                method="PUT", path="/contacts/con_1", details={"field": "phone"})
    text = error.explain()
    assert "(PUT /contacts/con_1)" in text  # what
    assert "request id req_abc123" in text  # for escalation
    sentences = [s for s in text.split(". ") if s.strip()]
    assert len(sentences) >= 3  # what failed, why, what to do
    assert str(error).startswith(error.code) and "req_abc123" in str(error)
    assert "req_abc123" in repr(error)


def test_explain_without_request_id_does_not_invent_one() -> None:
    assert "request id" not in E.NetworkError("connection refused").explain()


def test_specific_advice() -> None:
    assert "'phone'" in E.ValidationError("bad", details={"field": "phone", "expected": "E.164 format"}).explain()
    assert "E.164" in E.ValidationError("bad", details={"field": "phone", "expected": "E.164 format"}).explain()
    assert "email" in E.ConflictError("dup", details={"field": "email"}).explain()
    assert "12 seconds" in E.RateLimitedError("slow down", retry_after=12).explain()
    assert "API key" in E.AuthError().explain()
    assert "first page" in E.InvalidCursorError().explain()
    assert issubclass(E.RequestTimeoutError, E.NetworkError)


def test_scrub_removes_the_key_everywhere() -> None:
    value = {"message": f"bad {KEY}", KEY: [KEY, ("x", KEY)], "n": 3}
    cleaned = E.scrub(value, KEY)
    assert KEY not in repr(cleaned) and cleaned["n"] == 3
    assert E.scrub("nothing here", KEY) == "nothing here"
    assert E.scrub("anything", None) == "anything"
