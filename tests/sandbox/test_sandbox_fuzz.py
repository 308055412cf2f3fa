"""Schema-driven fuzzing: schemathesis generates requests for every operation in the
sandbox's own OpenAPI document (valid and invalid data) and no answer may be a 5xx."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit_tui.sandbox import SandboxServer

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = 80


@pytest.fixture(scope="module")
def fuzz_target(sandbox: SandboxServer) -> tuple[SandboxServer, dict[str, str]]:
    headers = {"X-API-Key": sandbox.api_key}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as api:
        ids = {
            "contact_id": api.get("/contacts", params={"limit": 1}).json()["data"][0]["id"],
            "list_id": api.get("/contacts/lists", params={"limit": 1}).json()["data"][0]["id"],
            "segment_id": api.get("/contacts/segments", params={"limit": 1}).json()["data"][0]["id"],
        }
    return sandbox, ids


def test_openapi_document_lists_all_25_endpoints(sandbox: SandboxServer) -> None:
    doc = httpx.get(sandbox.base_url + "/openapi.json").json()
    operations = [(m, p) for p, ops in doc["paths"].items() for m in ops if p != "/openapi.json"]
    assert len(operations) == 25
    assert ("get", "/contacts/{contact_id}/activity") in operations


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_under_schema_fuzzing(fuzz_target, mode) -> None:  # type: ignore[no-untyped-def]
    server, ids = fuzz_target
    schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    strategies = [op.as_strategy(generation_mode=mode) for op in operations if op.path != "/openapi.json"]
    strategies += [op.as_strategy(generation_mode=mode, path_parameters={k: v for k, v in ids.items()
                                                                         if "{" + k + "}" in op.path})
                   for op in operations if "{" in op.path and "tag" not in op.path]
    failures: list[str] = []
    calls = {"n": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(base_url=server.base_url, headers={"X-API-Key": server.api_key}, timeout=10)
        calls["n"] += 1
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")
        if response.status_code != 204:
            body = response.json()
            assert ("data" in body) != ("error" in body)
            assert response.headers["x-request-id"][0] == body["meta"]["request_id"]

    run()
    assert calls["n"] >= 50
    assert failures == []
