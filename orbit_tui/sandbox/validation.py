"""Validation of request bodies and query parameters, in the contract's error codes.

Body problems are 422 naming ``details.field``; query-parameter problems are 400
``VALIDATION_ERROR``; both raise :class:`ApiError`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from orbit_tui.api.models import CHANNELS

from .envelope import ApiError, validation

MAX_TAG_LENGTH = 64
MAX_TAGS = 100
MAX_TEXT = 10_000
CONTACT_TEXT_FIELDS = ("first_name", "last_name", "lifecycle_stage")


def check_phone(value: Any, field: str = "phone") -> str:
    if not isinstance(value, str):
        raise validation(field, "phone must be a string in E.164 format", code="INVALID_PHONE_NUMBER",
                         value=value, expected="E.164 format")
    text = value.strip()
    error = ApiError(422, "INVALID_PHONE_NUMBER", f"{value!r} is not a valid E.164 phone number",
                     {"field": field, "value": value, "expected": "E.164 format"})
    if not re.fullmatch(r"\+[1-9]\d{6,14}", text):
        raise error
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise error from None
    if not phonenumbers.is_valid_number(parsed):
        raise error
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_email(value: Any, field: str = "email") -> str:
    if not isinstance(value, str) or len(value) > 254:
        raise ApiError(422, "INVALID_EMAIL", "email must be a valid address",
                       {"field": field, "value": value if isinstance(value, str) else None,
                        "expected": "an address like name@example.com"})
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ApiError(422, "INVALID_EMAIL", f"{value!r} is not a valid email address: {exc}",
                       {"field": field, "value": value, "expected": "an address like name@example.com"}) from None
    return value.strip()


@lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def check_country(value: Any, field: str = "country_code") -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value) or not _is_country(value.upper()):
        raise validation(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code", value=value,
                         expected="ISO 3166-1 alpha-2, e.g. US")
    return value.upper()


def check_tag(value: Any, field: str = "tags") -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation(field, "a tag must be a non-empty string", value=value)
    if value.strip() in (".", ".."):
        raise validation(field, "a tag cannot be '.' or '..'", value=value)
    if len(value) > MAX_TAG_LENGTH:
        raise validation(field, f"a tag is at most {MAX_TAG_LENGTH} characters", value=value[:80],
                         max_length=MAX_TAG_LENGTH)
    return value.strip()


def check_tags(value: Any, field: str = "tags") -> list[str]:
    if not isinstance(value, list):
        raise validation(field, "tags must be a list of strings", expected="array of strings")
    if len(value) > MAX_TAGS:
        raise validation(field, f"at most {MAX_TAGS} tags", max_items=MAX_TAGS)
    out: list[str] = []
    for index, item in enumerate(value):
        tag = check_tag(item, f"{field}[{index}]")
        if tag not in out:
            out.append(tag)
    return out


def check_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation(field, f"{field} must be a string or null", expected="string")
    if len(value) > MAX_TEXT:
        raise validation(field, f"{field} is at most {MAX_TEXT} characters", max_length=MAX_TEXT)
    return value


def check_preferences(value: Any, field: str = "preferences") -> dict[str, bool]:
    if not isinstance(value, dict):
        raise validation(field, "preferences must be an object of channel: boolean", expected="object")
    out: dict[str, bool] = {}
    for channel, flag in value.items():
        if channel not in CHANNELS:
            raise ApiError(422, "INVALID_CHANNEL", f"{channel!r} is not a channel",
                           {"field": f"{field}.{channel}", "value": channel, "expected": list(CHANNELS)})
        if not isinstance(flag, bool):
            raise validation(f"{field}.{channel}", "a preference must be true or false", expected="boolean")
        out[channel] = flag
    return out


def check_metadata(value: Any, field: str = "metadata") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation(field, "metadata must be an object", expected="object")
    for key in value:
        if not key or len(key) > 128:
            raise validation(f"{field}.{key}", "metadata keys are 1-128 characters")
    return value


def clean_contact(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate a contact body; return the normalised fields that were given."""
    out: dict[str, Any] = {}
    if "phone" in body:
        out["phone"] = None if body["phone"] in (None, "") else check_phone(body["phone"])
    if "email" in body:
        out["email"] = None if body["email"] in (None, "") else check_email(body["email"])
    if "country_code" in body:
        out["country_code"] = None if body["country_code"] in (None, "") else check_country(body["country_code"])
    for name in CONTACT_TEXT_FIELDS:
        if name in body:
            out[name] = check_text(body[name], name)
    if "tags" in body:
        out["tags"] = [] if body["tags"] is None else check_tags(body["tags"])
    if "metadata" in body:
        out["metadata"] = {} if body["metadata"] is None else check_metadata(body["metadata"])
    if "preferences" in body:
        out["preferences"] = {} if body["preferences"] is None else check_preferences(body["preferences"])
    if not partial and not out.get("phone") and not out.get("email"):
        raise ApiError(422, "MISSING_REQUIRED_FIELD", "a contact needs a phone or an email",
                       {"field": "phone", "required_one_of": ["phone", "email"]})
    return out


# ---- query parameters -------------------------------------------------------------

def query_bool(params: Any, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise validation(name, f"{name} must be true or false", status=400, value=raw)


def query_limit(params: Any, default: int = 20) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation("limit", "limit must be an integer from 1 to 100", status=400, value=raw) from None
    if not 1 <= value <= 100:
        raise validation("limit", "limit must be an integer from 1 to 100", status=400, value=raw)
    return value


def query_datetime(params: Any, name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise validation(name, f"{name} must be an ISO 8601 date or time", status=400, value=raw) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def query_channel(params: Any, name: str = "channel") -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in CHANNELS:
        raise ApiError(400, "INVALID_CHANNEL", f"{raw!r} is not a channel",
                       {"field": name, "value": raw, "expected": list(CHANNELS)})
    return raw
