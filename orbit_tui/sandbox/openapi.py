"""The OpenAPI 3.1 document of the sandbox, built from the route table in ``routes.py``.

Served at ``GET /api/v1/openapi.json`` (no key needed); the schema-driven fuzz test
uses it, so every route, parameter and body here is what the server really accepts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from orbit_tui.api.models import ACTIVITY_TYPES, CHANNELS

STRING_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
TIMESTAMP: dict[str, Any] = {"type": "string", "format": "date-time", "example": "2026-03-08T12:00:00Z"}

QUERY_PARAMS: dict[str, dict[str, Any]] = {
    "search": {"type": "string", "description": "full text over name, phone and email"},
    "lifecycle_stage": {"type": "string"},
    "country_code": {"type": "string", "description": "ISO 3166-1 alpha-2"},
    "tags": {"type": "string", "description": "comma-separated; all must match"},
    "has_phone": {"type": "boolean"},
    "has_email": {"type": "boolean"},
    "created_after": {"type": "string", "format": "date-time"},
    "created_before": {"type": "string", "format": "date-time"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "cursor": {"type": "string", "description": "meta.pagination.cursor of the previous page"},
    "channel": {"type": "string", "enum": list(CHANNELS)},
    "type": {"type": "string", "enum": list(ACTIVITY_TYPES)},
}

_CONTACT_PROPS: dict[str, Any] = {
    "phone": {**STRING_OR_NULL, "description": "E.164, e.g. +14155552671"},
    "email": {**STRING_OR_NULL, "format": "email"},
    "first_name": STRING_OR_NULL,
    "last_name": STRING_OR_NULL,
    "country_code": {**STRING_OR_NULL, "description": "ISO 3166-1 alpha-2"},
    "lifecycle_stage": STRING_OR_NULL,
    "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64}, "maxItems": 100},
    "metadata": {"type": "object", "description": "custom key/values; on update a null value removes the key"},
}
_PREFS: dict[str, Any] = {"type": "object", "properties": {ch: {"type": "boolean"} for ch in CHANNELS},
                          "additionalProperties": False}
_RULES: dict[str, Any] = {"type": "object", "description": "segment rules (see the contract's grammar)"}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["data", "meta"],
            "properties": {"data": {"type": "array", "items": _ref(item)}, "meta": _ref("ListMeta")}}


SCHEMAS: dict[str, Any] = {
    "Contact": {"type": "object", "required": ["id", "tags", "metadata", "preferences", "created_at"],
                "properties": {"id": {"type": "string", "pattern": "^con_"}, **_CONTACT_PROPS,
                               "preferences": {"type": "object", "additionalProperties": {"type": "boolean"}},
                               "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
                               "opted_out_channels": {"type": "array", "items": {"type": "string"}}}},
    "ContactInput": {"type": "object", "properties": {**_CONTACT_PROPS, "preferences": _PREFS}},
    "List": {"type": "object", "required": ["id", "name", "member_count", "created_at"],
             "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "description": STRING_OR_NULL,
                            "member_count": {"type": "integer"}, "created_at": TIMESTAMP, "updated_at": TIMESTAMP}},
    "ListInput": {"type": "object", "required": ["name"],
                  "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
                                 "description": STRING_OR_NULL}},
    "ListUpdate": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
                                                    "description": STRING_OR_NULL}},
    "MembersInput": {"type": "object", "required": ["contact_ids"],
                     "properties": {"contact_ids": {"type": "array", "items": {"type": "string", "minLength": 1},
                                                    "minItems": 1, "maxItems": 100}}},
    "MembershipResult": {"type": "object", "properties": {k: {"type": "array", "items": {"type": "string"}}
                                                          for k in ("added", "already_member", "not_found")}},
    "Segment": {"type": "object", "required": ["id", "name", "rules", "contact_count"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "rules": _RULES,
                               "contact_count": {"type": "integer"}, "created_at": TIMESTAMP,
                               "updated_at": TIMESTAMP}},
    "SegmentInput": {"type": "object", "required": ["name", "rules"],
                     "properties": {"name": {"type": "string", "minLength": 1}, "rules": _RULES}},
    "SegmentUpdate": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}, "rules": _RULES}},
    "PreviewInput": {"type": "object", "required": ["rules"], "properties": {"rules": _RULES}},
    "SegmentPreview": {"type": "object", "properties": {"contact_count": {"type": "integer"},
                                                        "sample": {"type": "array", "items": _ref("Contact")}}},
    "TagsInput": {"type": "object", "required": ["tags"], "properties": {"tags": _CONTACT_PROPS["tags"]}},
    "ContactTags": {"type": "object", "properties": {"id": {"type": "string"}, "tags": _CONTACT_PROPS["tags"]}},
    "PreferencesInput": {"type": "object", "required": ["preferences"], "properties": {"preferences": _PREFS}},
    "ContactPreferences": {"type": "object", "properties": {"id": {"type": "string"}, "preferences": _PREFS}},
    "ActivityItem": {"type": "object", "required": ["type", "timestamp"],
                     "properties": {"type": {"type": "string"}, "channel": STRING_OR_NULL,
                                    "message_id": STRING_OR_NULL, "timestamp": TIMESTAMP, "summary": STRING_OR_NULL}},
    "Meta": {"type": "object", "required": ["request_id", "timestamp"],
             "properties": {"request_id": {"type": "string"}, "timestamp": TIMESTAMP}},
    "ListMeta": {"type": "object", "required": ["request_id", "pagination"],
                 "properties": {"request_id": {"type": "string"}, "timestamp": TIMESTAMP,
                                "pagination": {"type": "object", "required": ["has_more"],
                                               "properties": {"cursor": STRING_OR_NULL,
                                                              "has_more": {"type": "boolean"},
                                                              "total": {"type": "integer"}}}}},
    "Error": {"type": "object", "required": ["error", "meta"],
              "properties": {"error": {"type": "object", "required": ["code", "message", "status"],
                                       "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                                      "status": {"type": "integer"},
                                                      "details": {"type": "object"}}},
                             "meta": _ref("Meta")}},
    "ContactPage": _page_of("Contact"),
    "OptoutPage": _page_of("Contact"),
    "ListPage": _page_of("List"),
    "SegmentPage": _page_of("Segment"),
    "ActivityPage": _page_of("ActivityItem"),
}

_PAGES = {"ContactPage", "OptoutPage", "ListPage", "SegmentPage", "ActivityPage"}
_STATUS_TEXT = {400: "Bad request", 401: "Missing or invalid API key", 404: "Not found", 409: "Conflict",
                413: "Body over 1 MiB", 422: "Validation failed", 429: "Rate limited", 503: "Unavailable"}


def _operation(spec: Any) -> dict[str, Any]:
    path_names = re.findall(r"\{(\w+)(?::\w+)?\}", spec.path)
    params: list[dict[str, Any]] = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                                    for n in path_names]
    params += [{"name": q, "in": "query", "required": False, "schema": QUERY_PARAMS[q]} for q in spec.query]
    op: dict[str, Any] = {"operationId": spec.handler.__name__, "summary": spec.summary, "parameters": params}
    if spec.public:
        op["security"] = []
        op["responses"] = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
        return op
    if spec.body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(spec.body)}}}
    responses: dict[str, Any] = {}
    if spec.status == 204:
        responses["204"] = {"description": "Done"}
    elif spec.response in _PAGES:
        responses[str(spec.status)] = {"description": "A page",
                                       "content": {"application/json": {"schema": _ref(spec.response)}}}
    else:
        schema = {"type": "object", "required": ["data", "meta"],
                  "properties": {"data": _ref(spec.response), "meta": _ref("Meta")}}
        responses[str(spec.status)] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    for status in sorted({*spec.errors, 401, 429, 503}):
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"),
                                  "content": {"application/json": {"schema": _ref("Error")}}}
    op["responses"] = responses
    return op


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    from .routes import ROUTES

    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", spec.path)
        paths.setdefault(path, {})[spec.method.lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Orbit Contacts API (sandbox)", "version": "1.0.0",
                 "description": "The local sandbox of the Orbit Contacts API used by orbit-tui."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"ApiKey": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    }
