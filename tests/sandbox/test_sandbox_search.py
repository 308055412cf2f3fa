"""Search, filters and cursor pagination over real HTTP."""

from __future__ import annotations

import threading

import httpx
import pytest

from orbit_tui.sandbox.search import fts_query

from sandbox_helpers import client_for


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


def _walk(api: httpx.Client, between=None, **params: object) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = api.get("/contacts", params={**params, **({"cursor": cursor} if cursor else {})})
        seen.extend(_ids(response))
        pagination = response.json()["meta"]["pagination"]
        if not pagination["has_more"]:
            assert pagination["cursor"] is None
            return seen
        cursor = pagination["cursor"]
        pages += 1
        if between is not None:
            between(pages)


@pytest.fixture(scope="module")
def people(sandbox) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    with client_for(sandbox) as api:
        out = {}
        for key, body in {
            "jane": {"phone": "+14155552671", "first_name": "Janeway", "last_name": "Qwertyson",
                     "email": "kathryn.qwertyson@voyager.example", "country_code": "US", "lifecycle_stage": "lead",
                     "tags": ["starfleet", "captain"]},
            "jose": {"email": "jose@example.org", "first_name": "José", "last_name": "Ñúñez-Qwertyson",
                     "country_code": "ES", "tags": ["starfleet"]},
            "uk": {"phone": "+447400123456", "first_name": "Tabitha", "last_name": "Qwertyson",
                   "country_code": "GB", "lifecycle_stage": "customer"},
        }.items():
            response = api.post("/contacts", json=body)
            assert response.status_code == 201, response.text
            out[key] = response.json()["data"]
        return out


@pytest.mark.parametrize("query", ["jan", "JANEWAY", "janeway qwerty", "Qwertyson Jane", "kathryn", "voyager",
                                   "kathryn.qwertyson@voy"])
def test_name_and_email_search_is_case_insensitive_prefix(api: httpx.Client, people: dict, query: str) -> None:
    assert people["jane"]["id"] in _ids(api.get("/contacts", params={"search": query, "limit": 100}))


@pytest.mark.parametrize("query", ["415 555", "(415) 555-2671", "+1 415-555-2671", "+14155552671", "4155552671",
                                   "14155552671", "415.555.2671", "415555"])
def test_phone_digits_in_any_format(api: httpx.Client, people: dict, query: str) -> None:
    assert people["jane"]["id"] in _ids(api.get("/contacts", params={"search": query, "limit": 100}))


def test_uk_national_format_and_diacritics(api: httpx.Client, people: dict) -> None:
    assert people["uk"]["id"] in _ids(api.get("/contacts", params={"search": "07400 123456"}))
    assert people["uk"]["id"] in _ids(api.get("/contacts", params={"search": "+44 7400 123456"}))
    assert people["jose"]["id"] in _ids(api.get("/contacts", params={"search": "jose nunez"}))
    assert people["jose"]["id"] in _ids(api.get("/contacts", params={"search": "josé"}))


def test_search_does_not_match_unrelated(api: httpx.Client, people: dict) -> None:
    assert _ids(api.get("/contacts", params={"search": "janeway tabitha"})) == []
    assert _ids(api.get("/contacts", params={"search": "zzzqqqxxx"})) == []


HOSTILE = ['"', '""', "'", "*", "**", "jan*", "OR", "AND", "NOT", "a OR b", "NEAR(", "NEAR(a b", "(", ")", "((a)",
           "a)", "col:jan", "name:jan", "^jan", "-jan", "+", "🚀", "👩‍💻 jan", "\x00", "\u202e", "%", "_", "\\",
           "a' OR '1'='1", "jan\"e", "{name}: x", "[bold]", "x" * 3000, "ア", "李", "1 2 3 4 5 6 7 8 9 10 11"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_never_fails(api: httpx.Client, query: str) -> None:
    response = api.get("/contacts", params={"search": query})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["data"], list)
    members = api.get("/contacts/optouts", params={"search": query})
    assert members.status_code == 200


def test_fts_query_is_only_quoted_prefix_terms() -> None:
    assert fts_query('NEAR( "a" OR b*') == '"NEAR"* "a"* "OR"* "b"*'
    assert fts_query("🚀 ()") is None
    assert fts_query("415 555") == '("415"* "555"*) OR "415555"*'


def test_filters(api: httpx.Client, people: dict) -> None:
    def search(**params: object) -> list[str]:
        return _ids(api.get("/contacts", params={"search": "qwertyson", **params}))

    assert set(search()) == {p["id"] for p in people.values()}
    assert search(lifecycle_stage="lead") == [people["jane"]["id"]]
    assert search(country_code="gb") == [people["uk"]["id"]]
    assert set(search(tags="starfleet")) == {people["jane"]["id"], people["jose"]["id"]}
    assert search(tags="starfleet,captain") == [people["jane"]["id"]]
    assert search(tags="starfleet,nope") == []
    assert search(has_phone="false") == [people["jose"]["id"]]
    assert set(search(has_email="false")) == {people["uk"]["id"]}
    assert set(search(has_phone="true", has_email="true")) == {people["jane"]["id"]}
    created = people["jane"]["created_at"]
    assert set(search(created_after="2000-01-01")) == {p["id"] for p in people.values()}
    assert search(created_before="2000-01-01") == []
    assert search(created_after=created.replace("Z", "+00:00"), created_before="2999-01-01T00:00:00Z") is not None
    for bad in ({"has_phone": "maybe"}, {"created_after": "yesterday"}, {"limit": "0"}, {"limit": "101"},
                {"limit": "ten"}):
        response = api.get("/contacts", params=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_pagination_walks_everything_once_with_total(api: httpx.Client) -> None:
    first = api.get("/contacts", params={"limit": 7}).json()
    total = first["meta"]["pagination"]["total"]
    assert first["meta"]["pagination"]["has_more"] is True
    assert first["meta"]["pagination"]["cursor"].startswith("cur_")
    seen = _walk(api, limit=37)
    assert len(seen) == len(set(seen)) == total
    default = api.get("/contacts").json()
    assert len(default["data"]) == 20
    for item in default["data"]:  # list items (JSON made by SQLite) equal the single-contact answer
        assert api.get(f"/contacts/{item['id']}").json()["data"] == item


def test_bad_cursors(api: httpx.Client) -> None:
    for cursor in ("nonsense", "cur_!!!", "cur_eyJwIjpbMV19", "cur_" + "A" * 600):
        response = api.get("/contacts", params={"cursor": cursor})
        assert response.status_code == 400, cursor
        assert response.json()["error"]["code"] == "INVALID_CURSOR"
    cursor = api.get("/contacts", params={"limit": 2}).json()["meta"]["pagination"]["cursor"]
    other_query = api.get("/contacts", params={"limit": 2, "cursor": cursor, "lifecycle_stage": "lead"})
    assert other_query.status_code == 400 and other_query.json()["error"]["code"] == "INVALID_CURSOR"
    lists_cursor = api.get("/contacts/lists", params={"cursor": cursor})
    assert lists_cursor.status_code == 400
    # a well-formed cursor of this very query, issued two days ago, has expired
    import base64
    import json
    import time

    from orbit_tui.sandbox.search import query_hash

    stale = json.dumps({"p": [10**9], "h": query_hash("contacts", {}), "t": int(time.time()) - 2 * 86400})
    token = "cur_" + base64.urlsafe_b64encode(stale.encode()).decode().rstrip("=")
    expired = api.get("/contacts", params={"cursor": token})
    assert expired.status_code == 400
    assert expired.json()["error"]["details"]["reason"] == "expired"
    fresh = json.dumps({"p": [10**9], "h": query_hash("contacts", {}), "t": int(time.time())})
    token = "cur_" + base64.urlsafe_b64encode(fresh.encode()).decode().rstrip("=")
    assert api.get("/contacts", params={"cursor": token}).status_code == 200


def test_pagination_is_stable_under_concurrent_inserts_and_deletes(sandbox_factory) -> None:  # type: ignore[no-untyped-def]
    server = sandbox_factory(contacts=250)
    with client_for(server) as api, client_for(server) as writer:
        before = set(_walk(api, limit=100))
        doomed = sorted(before)[:40]
        stop = threading.Event()
        inserted: list[str] = []

        def churn() -> None:
            n = 0
            while not stop.is_set() and n < 60:
                response = writer.post("/contacts", json={"email": f"churn{n}@example.com"})
                inserted.append(response.json()["data"]["id"])
                if n < len(doomed):
                    writer.delete(f"/contacts/{doomed[n]}")
                n += 1

        worker = threading.Thread(target=churn)
        worker.start()
        try:
            seen = _walk(api, limit=9)
        finally:
            stop.set()
            worker.join()
        # deterministic churn between pages too
        def between(page: int) -> None:
            writer.post("/contacts", json={"email": f"between{page}@example.com"})
            victim = survivors[-page] if page < len(survivors) else None
            if victim:
                writer.delete(f"/contacts/{victim}")
                deleted.add(victim)

        survivors = sorted(before - set(doomed))
        deleted: set[str] = set()
        seen_again = _walk(api, between, limit=11)

    assert len(seen) == len(set(seen)), "duplicates while inserting/deleting"
    assert before - set(doomed) <= set(seen), "skipped contacts that existed throughout"
    assert len(seen_again) == len(set(seen_again))
    assert (before - set(doomed) - deleted) <= set(seen_again)


def test_any_text_makes_a_valid_fts_query() -> None:
    import sqlite3

    from hypothesis import given, settings
    from hypothesis import strategies as st

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(name, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")
    conn.execute("INSERT INTO f VALUES ('Jane Doe 415 555 2671')")

    @settings(max_examples=400, deadline=None, database=None)
    @given(st.text(max_size=60) | st.lists(st.sampled_from(['"', "*", "(", ")", "NEAR", "OR", "AND", "NOT", ":",
                                                            "^", "-", "+", "jan", "415", " "])).map("".join))
    def check(text: str) -> None:
        query = fts_query(text)
        if query is not None:
            conn.execute("SELECT rowid FROM f WHERE f MATCH ?", (query,)).fetchall()

    check()
