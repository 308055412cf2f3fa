"""Lists, memberships and segments over real HTTP."""

from __future__ import annotations

import httpx

from sandbox_helpers import all_items


def _contact(api: httpx.Client, phone: str, **fields: object) -> dict:
    response = api.post("/contacts", json={"phone": phone, **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_seeded_lists_and_segments_exist(api: httpx.Client) -> None:
    lists = api.get("/contacts/lists").json()
    assert len(lists["data"]) >= 10 and lists["meta"]["pagination"]["total"] >= 10
    assert all(item["id"].startswith("lst_") and item["member_count"] > 0 for item in lists["data"])
    segments = api.get("/contacts/segments").json()["data"]
    assert len(segments) >= 5
    assert all(s["id"].startswith("seg_") and isinstance(s["contact_count"], int) for s in segments)


def test_list_lifecycle_and_membership(api: httpx.Client) -> None:
    created = api.post("/contacts/lists", json={"name": "Escalations", "description": "open ones"})
    assert created.status_code == 201
    lst = created.json()["data"]
    assert lst["member_count"] == 0 and lst["name"] == "Escalations"
    a = _contact(api, "+14155550001", first_name="Member", last_name="Alpha")
    b = _contact(api, "+14155550002", first_name="Member", last_name="Beta")

    added = api.post(f"/contacts/lists/{lst['id']}/members", json={"contact_ids": [a["id"], b["id"], "con_ghost"]})
    assert added.status_code == 200
    assert added.json()["data"] == {"added": [a["id"], b["id"]], "already_member": [], "not_found": ["con_ghost"]}
    again = api.post(f"/contacts/lists/{lst['id']}/members", json={"contact_ids": [a["id"]]}).json()["data"]
    assert again == {"added": [], "already_member": [a["id"]], "not_found": []}

    members = all_items(api, f"/contacts/lists/{lst['id']}/members", limit=1)
    assert {m["id"] for m in members} == {a["id"], b["id"]}
    searched = api.get(f"/contacts/lists/{lst['id']}/members", params={"search": "alpha"}).json()["data"]
    assert [m["id"] for m in searched] == [a["id"]]
    mine = api.get(f"/contacts/{a['id']}/lists").json()
    assert [item["id"] for item in mine["data"]] == [lst["id"]]
    assert mine["data"][0]["member_count"] == 2

    renamed = api.put(f"/contacts/lists/{lst['id']}", json={"name": "Escalations (EU)"})
    assert renamed.status_code == 200
    assert renamed.json()["data"]["name"] == "Escalations (EU)"
    assert renamed.json()["data"]["description"] == "open ones"

    assert api.delete(f"/contacts/lists/{lst['id']}/members/{b['id']}").status_code == 204
    assert api.delete(f"/contacts/lists/{lst['id']}/members/{b['id']}").status_code == 404
    # deleting a member contact removes its membership
    assert api.delete(f"/contacts/{a['id']}").status_code == 204
    listed = [x for x in api.get("/contacts/lists", params={"limit": 100}).json()["data"] if x["id"] == lst["id"]]
    assert listed[0]["member_count"] == 0

    assert api.delete(f"/contacts/lists/{lst['id']}").status_code == 204
    assert api.get(f"/contacts/{b['id']}").status_code == 200  # contacts are kept
    assert api.delete(f"/contacts/lists/{lst['id']}").status_code == 404
    assert api.get(f"/contacts/lists/{lst['id']}/members").status_code == 404


def test_list_errors(api: httpx.Client) -> None:
    assert api.post("/contacts/lists", json={}).json()["error"]["code"] == "MISSING_REQUIRED_FIELD"
    assert api.post("/contacts/lists", json={"name": "  "}).status_code == 422
    assert api.put("/contacts/lists/lst_nope", json={"name": "x"}).status_code == 404
    lst = api.post("/contacts/lists", json={"name": "Errors"}).json()["data"]
    for body in ({}, {"contact_ids": []}, {"contact_ids": "con_1"}, {"contact_ids": [f"con_{i}" for i in range(101)]}):
        response = api.post(f"/contacts/lists/{lst['id']}/members", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["details"]["field"] == "contact_ids"
    assert api.post("/contacts/lists/lst_nope/members", json={"contact_ids": ["con_1"]}).status_code == 404
    assert api.delete(f"/contacts/lists/{lst['id']}/members/con_nope").status_code == 404
    assert api.get("/contacts/con_nope/lists").status_code == 404


def test_segment_lifecycle_counts_are_always_current(api: httpx.Client) -> None:
    rules = {"metadata.team": "segment-test", "lifecycle_stage": "lead"}
    created = api.post("/contacts/segments", json={"name": "Team leads", "rules": rules})
    assert created.status_code == 201, created.text
    segment = created.json()["data"]
    assert segment["contact_count"] == 0 and segment["rules"] == rules
    one = _contact(api, "+14155550011", lifecycle_stage="lead", metadata={"team": "segment-test"})
    _contact(api, "+14155550012", lifecycle_stage="customer", metadata={"team": "segment-test"})
    fetched = api.get(f"/contacts/segments/{segment['id']}").json()["data"]
    assert fetched["contact_count"] == 1
    members = api.get(f"/contacts/segments/{segment['id']}/members").json()
    assert [m["id"] for m in members["data"]] == [one["id"]]
    assert members["meta"]["pagination"]["total"] == 1

    updated = api.put(f"/contacts/segments/{segment['id']}", json={"rules": {"metadata.team": "segment-test"}})
    assert updated.status_code == 200 and updated.json()["data"]["contact_count"] == 2
    assert updated.json()["data"]["name"] == "Team leads"
    searched = api.get(f"/contacts/segments/{segment['id']}/members", params={"search": "14155550012"}).json()
    assert len(searched["data"]) == 1

    preview = api.post("/contacts/segments/preview", json={"rules": {"metadata.team": "segment-test"}})
    assert preview.status_code == 200
    assert preview.json()["data"]["contact_count"] == 2 and len(preview.json()["data"]["sample"]) == 2

    assert api.delete(f"/contacts/segments/{segment['id']}").status_code == 204
    assert api.get(f"/contacts/segments/{segment['id']}").status_code == 404
    assert api.get(f"/contacts/{one['id']}").status_code == 200
    assert api.delete(f"/contacts/segments/{segment['id']}").status_code == 404


def test_segment_matches_python_evaluator(api: httpx.Client) -> None:
    from orbit_tui import rules as rules_module

    rules = {"$or": [{"country_code": "US"}, {"tags": {"$contains": "vip"}}], "$not": {"lifecycle_stage": "churned"}}
    preview = api.post("/contacts/segments/preview", json={"rules": rules}).json()["data"]
    everyone = all_items(api, "/contacts", limit=100)
    expected = [c for c in everyone if rules_module.evaluate(rules, c)]
    assert preview["contact_count"] == len(expected) > 0
    assert all(rules_module.evaluate(rules, c) for c in preview["sample"])


def test_segment_validation_names_the_json_path(api: httpx.Client) -> None:
    bad = api.post("/contacts/segments", json={"name": "Bad", "rules": {"$or": [{"country_code": "US"}, {"nope": 1}]}})
    assert bad.status_code == 422
    err = bad.json()["error"]
    assert err["code"] == "VALIDATION_ERROR"
    assert err["details"]["field"].startswith("rules.$or[1]")
    assert api.post("/contacts/segments", json={"name": "x"}).json()["error"]["code"] == "MISSING_REQUIRED_FIELD"
    assert api.post("/contacts/segments", json={"rules": {}}).json()["error"]["code"] == "MISSING_REQUIRED_FIELD"
    assert api.post("/contacts/segments", json={"name": "x", "rules": []}).status_code == 422
    assert api.post("/contacts/segments/preview", json={"rules": {"tags": {"$gt": []}}}).status_code == 422
    assert api.put("/contacts/segments/seg_nope", json={"name": "x"}).status_code == 404
    assert api.get("/contacts/segments/seg_nope/members").status_code == 404
