"""Contacts over real HTTP: CRUD, tags, preferences, validation and envelopes."""

from __future__ import annotations

import itertools

import httpx
import pytest

_numbers = itertools.count(1000)


def unique_phone() -> str:
    # +1 415 555 xxxx (and +44 7400 xxxxxx) are valid numbers for their regions
    return f"+1415555{next(_numbers):04d}"


def make(api: httpx.Client, **fields: object) -> dict:
    body = {"phone": unique_phone(), "first_name": "Test", **fields}
    response = api.post("/contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def error(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error", "meta"}
    assert body["meta"]["request_id"] == response.headers["x-request-id"]
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_create_get_update_delete_round_trip(api: httpx.Client) -> None:
    created = make(api, email="Ada@Example.com", last_name="Lovelace", country_code="gb", tags=["vip", "vip", "b2b"],
                   metadata={"plan": "pro", "drop": None}, lifecycle_stage="lead")
    assert created["id"].startswith("con_")
    assert created["country_code"] == "GB"
    assert created["tags"] == ["vip", "b2b"]
    assert created["metadata"] == {"plan": "pro"}
    assert created["created_at"].endswith("Z") and len(created["created_at"]) == 20
    fetched = api.get(f"/contacts/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["data"] == created
    assert fetched.json()["meta"]["request_id"].startswith("req_")

    updated = api.put(f"/contacts/{created['id']}", json={"metadata": {"plan": None, "ltv": 12}, "first_name": "Ada"})
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert data["metadata"] == {"ltv": 12}
    assert data["first_name"] == "Ada" and data["last_name"] == "Lovelace"

    assert api.delete(f"/contacts/{created['id']}").status_code == 204
    gone = api.get(f"/contacts/{created['id']}")
    assert gone.status_code == 404
    assert error(gone)["code"] == "NOT_FOUND"
    assert api.delete(f"/contacts/{created['id']}").status_code == 404
    assert api.put(f"/contacts/{created['id']}", json={"first_name": "x"}).status_code == 404


def test_every_response_has_request_id_and_rate_headers(api: httpx.Client) -> None:
    for response in (api.get("/contacts"), api.get("/contacts/con_missing"), api.get("/nowhere")):
        assert response.headers["x-request-id"].startswith("req_")
    response = api.get("/contacts", params={"limit": 1})
    for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert response.headers[name].isdigit()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"phone": "+1234"}, 422, "INVALID_PHONE_NUMBER", "phone"),
        ({"phone": "4155552671"}, 422, "INVALID_PHONE_NUMBER", "phone"),
        ({"phone": "+19999999999"}, 422, "INVALID_PHONE_NUMBER", "phone"),
        ({"phone": 14155552671}, 422, "INVALID_PHONE_NUMBER", "phone"),
        ({"email": "not-an-email"}, 422, "INVALID_EMAIL", "email"),
        ({"email": "a@b@c.com"}, 422, "INVALID_EMAIL", "email"),
        ({"first_name": "Nobody"}, 422, "MISSING_REQUIRED_FIELD", "phone"),
        ({"email": "cc@example.com", "country_code": "XX"}, 422, "VALIDATION_ERROR", "country_code"),
        ({"email": "cc@example.com", "country_code": "USA"}, 422, "VALIDATION_ERROR", "country_code"),
        ({"email": "t@example.com", "tags": [""]}, 422, "VALIDATION_ERROR", "tags[0]"),
        ({"email": "t@example.com", "tags": ["ok", "x" * 65]}, 422, "VALIDATION_ERROR", "tags[1]"),
        ({"email": "t@example.com", "tags": "vip"}, 422, "VALIDATION_ERROR", "tags"),
        ({"email": "t@example.com", "metadata": []}, 422, "VALIDATION_ERROR", "metadata"),
        ({"email": "t@example.com", "first_name": 5}, 422, "VALIDATION_ERROR", "first_name"),
        ({"email": "t@example.com", "preferences": {"fax": True}}, 422, "INVALID_CHANNEL", "preferences.fax"),
    ],
)
def test_create_validation(api: httpx.Client, body: dict, status: int, code: str, field: str) -> None:
    response = api.post("/contacts", json=body)
    assert response.status_code == status, response.text
    err = error(response)
    assert err["code"] == code
    assert err["details"]["field"] == field


def test_a_64_character_tag_is_accepted(api: httpx.Client) -> None:
    contact = make(api, tags=["x" * 64])
    assert contact["tags"] == ["x" * 64]


def test_malformed_json_is_400_and_huge_body_is_413(api: httpx.Client) -> None:
    bad = api.post("/contacts", content=b'{"phone": ', headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert error(bad)["code"] == "VALIDATION_ERROR"
    not_object = api.post("/contacts", json=[1, 2])
    assert not_object.status_code == 422
    huge = api.post("/contacts", json={"email": "big@example.com", "first_name": "x" * (1024 * 1024 + 10)})
    assert huge.status_code == 413
    assert error(huge)["code"] == "PAYLOAD_TOO_LARGE"


def test_duplicates_conflict_naming_the_field(api: httpx.Client) -> None:
    first = make(api, email="dup@example.com")
    same_phone = api.post("/contacts", json={"phone": first["phone"]})
    assert same_phone.status_code == 409
    assert error(same_phone)["details"]["field"] == "phone"
    same_email = api.post("/contacts", json={"email": "DUP@example.com"})
    assert same_email.status_code == 409
    assert error(same_email)["details"]["field"] == "email"
    other = make(api)
    clash = api.put(f"/contacts/{other['id']}", json={"email": "dup@example.com"})
    assert clash.status_code == 409
    # updating a contact with its own phone is not a conflict
    assert api.put(f"/contacts/{first['id']}", json={"phone": first["phone"]}).status_code == 200


def test_update_cannot_remove_both_phone_and_email(api: httpx.Client) -> None:
    contact = make(api)
    response = api.put(f"/contacts/{contact['id']}", json={"phone": None})
    assert response.status_code == 422
    assert error(response)["code"] == "MISSING_REQUIRED_FIELD"


def test_tags_add_and_remove(api: httpx.Client) -> None:
    contact = make(api, tags=["a"])
    added = api.post(f"/contacts/{contact['id']}/tags", json={"tags": ["b", "a", "c/d", "ünï 🚀"]})
    assert added.status_code == 200
    assert added.json()["data"] == {"id": contact["id"], "tags": ["a", "b", "c/d", "ünï 🚀"]}
    removed = api.delete(f"/contacts/{contact['id']}/tags/c%2Fd")
    assert removed.status_code == 200
    assert removed.json()["data"]["tags"] == ["a", "b", "ünï 🚀"]
    removed = api.delete(f"/contacts/{contact['id']}/tags/{httpx.URL('x').copy_with(path='/ünï 🚀').path[1:]}")
    assert removed.json()["data"]["tags"] == ["a", "b"]
    # removing a tag the contact does not carry is not an error
    again = api.delete(f"/contacts/{contact['id']}/tags/zzz")
    assert again.status_code == 200 and again.json()["data"]["tags"] == ["a", "b"]
    assert api.post(f"/contacts/{contact['id']}/tags", json={"tags": [""]}).status_code == 422
    assert api.post(f"/contacts/{contact['id']}/tags", json={}).status_code == 422
    assert api.post("/contacts/con_nope/tags", json={"tags": ["a"]}).status_code == 404
    assert api.delete("/contacts/con_nope/tags/a").status_code == 404


def test_preferences_merge_and_optouts(api: httpx.Client) -> None:
    contact = make(api, first_name="Optout", last_name="Person")
    first = api.put(f"/contacts/{contact['id']}/preferences", json={"preferences": {"sms": False, "email": True}})
    assert first.status_code == 200
    second = api.put(f"/contacts/{contact['id']}/preferences", json={"preferences": {"whatsapp": False}})
    assert second.json()["data"] == {"id": contact["id"],
                                     "preferences": {"sms": False, "email": True, "whatsapp": False}}
    bad = api.put(f"/contacts/{contact['id']}/preferences", json={"preferences": {"pigeon": True}})
    assert bad.status_code == 422 and error(bad)["code"] == "INVALID_CHANNEL"
    assert api.put(f"/contacts/{contact['id']}/preferences", json={"preferences": {"sms": "no"}}).status_code == 422
    assert api.put("/contacts/con_nope/preferences", json={"preferences": {"sms": True}}).status_code == 404

    found = api.get("/contacts/optouts", params={"search": "Optout Person", "channel": "sms"}).json()
    assert [c["id"] for c in found["data"]] == [contact["id"]]
    assert sorted(found["data"][0]["opted_out_channels"]) == ["sms", "whatsapp"]
    none = api.get("/contacts/optouts", params={"search": "Optout Person", "channel": "email"}).json()
    assert none["data"] == []
    everyone = api.get("/contacts/optouts", params={"limit": 100}).json()
    assert everyone["data"] and all(c["opted_out_channels"] for c in everyone["data"])
    assert api.get("/contacts/optouts", params={"channel": "fax"}).status_code == 400


def test_activity_is_newest_first_filtered_and_paginated(api: httpx.Client) -> None:
    contacts = api.get("/contacts", params={"limit": 100}).json()["data"]
    busiest = None
    for contact in contacts:
        page = api.get(f"/contacts/{contact['id']}/activity", params={"limit": 5}).json()
        if page["meta"]["pagination"]["total"] >= 12:
            busiest = contact
            break
    assert busiest is not None
    seen: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/contacts/{busiest['id']}/activity", params=params).json()
        seen.extend(page["data"])
        cursor = page["meta"]["pagination"]["cursor"]
        if not page["meta"]["pagination"]["has_more"]:
            break
    assert len(seen) == page["meta"]["pagination"]["total"]
    stamps = [item["timestamp"] for item in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert {"type", "channel", "message_id", "timestamp", "summary"} <= set(seen[0])
    kind = seen[0]["type"]
    filtered = api.get(f"/contacts/{busiest['id']}/activity", params={"type": kind, "limit": 100}).json()["data"]
    assert filtered and all(item["type"] == kind for item in filtered)
    sms = api.get(f"/contacts/{busiest['id']}/activity", params={"channel": "sms", "limit": 100}).json()["data"]
    assert all(item["channel"] == "sms" for item in sms)
    assert api.get(f"/contacts/{busiest['id']}/activity", params={"type": "nope"}).status_code == 400
    assert api.get("/contacts/con_nope/activity").status_code == 404
    # a created contact has an empty timeline
    fresh = make(api)
    empty = api.get(f"/contacts/{fresh['id']}/activity").json()
    assert empty["data"] == [] and empty["meta"]["pagination"]["has_more"] is False


def test_auth_failures(sandbox) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=sandbox.base_url) as anonymous:
        missing = anonymous.get("/contacts")
        assert missing.status_code == 401 and error(missing)["code"] == "UNAUTHORIZED"
        wrong = anonymous.get("/contacts", headers={"X-API-Key": "dv_test_sk_wrong"})
        assert wrong.status_code == 401 and error(wrong)["code"] == "INVALID_API_KEY"
        assert "dv_test_sk_wrong" not in wrong.text
        assert wrong.headers["x-ratelimit-limit"].isdigit()


def test_unknown_path_and_method(api: httpx.Client) -> None:
    assert error(api.get("/contacts/x/unknown"))["code"] == "NOT_FOUND"
    patch = api.patch("/contacts")
    assert patch.status_code == 405 and error(patch)["code"] == "METHOD_NOT_ALLOWED"
    # reserved paths are never taken for contact ids
    assert api.put("/contacts/lists", json={}).status_code == 405
    assert api.delete("/contacts/optouts").status_code == 405
