"""What the contact form checks and sends, with no Textual in sight.

- The phone is accepted as typed in national or international form and normalised to
  E.164 for the contact's country (``0151 2345 6789`` with ``DE`` → ``+4915123456789``).
- The email is checked for syntax (no DNS lookups).
- The country must be an ISO 3166-1 alpha-2 code; a country *name* gets a suggestion.
- Metadata is edited as ``key = value`` lines: values that read as JSON numbers, booleans
  or lists stay typed, anything else is a string; a key whose line was deleted is sent as
  ``null`` (the server then removes it); an unchanged line keeps its original value.
- For an edit only the fields that changed are sent; a new contact needs a phone or email.
- The form shows what :func:`orbit_tui.ui.safe.clean` makes of the server's values (no
  escape sequences, control, bidi or zero-width characters). A field is *edited* when
  its text differs from the cleaned text it was shown with; only edited fields are
  checked and sent, so opening and saving a contact with hostile data does not rewrite
  the fields the user did not touch. The same holds for each metadata line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from orbit_tui.api.models import COMMON_STAGES, Contact
from orbit_tui.ui.detail_text import country_name, metadata_value
from orbit_tui.ui.safe import clean

TEXT_FIELDS = ("first_name", "last_name", "phone", "email", "country_code", "lifecycle_stage")
FORM_FIELDS = (*TEXT_FIELDS, "metadata")
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "Email",
    "country_code": "Country",
    "lifecycle_stage": "Stage",
    "metadata": "Metadata",
}


@dataclass(frozen=True)
class FormValues:
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    country_code: str = ""
    lifecycle_stage: str = ""
    metadata: str = ""

    def with_(self, **changes: str) -> FormValues:
        return replace(self, **changes)

    def get(self, name: str) -> str:
        return str(getattr(self, name))


def metadata_line(key: str, value: Any) -> str:
    """How one metadata entry is shown in the form: ``key = value``, cleaned."""
    return f"{clean(key)} = {clean(metadata_value(value))}"


def metadata_to_text(metadata: dict[str, Any]) -> str:
    return "\n".join(metadata_line(key, metadata[key]) for key in sorted(metadata))


def values_from(contact: Contact | None) -> FormValues:
    """The values the form shows for ``contact``: cleaned for display, never raw."""
    if contact is None:
        return FormValues()
    return FormValues(
        first_name=clean(contact.first_name),
        last_name=clean(contact.last_name),
        phone=clean(contact.phone),
        email=clean(contact.email),
        country_code=clean(contact.country_code),
        lifecycle_stage=clean(contact.lifecycle_stage),
        metadata=metadata_to_text(contact.metadata),
    )


def edited(values: FormValues, shown: FormValues, name: str) -> bool:
    """Whether the user changed field ``name`` from what the form showed."""
    return values.get(name).strip() != shown.get(name).strip()


def is_dirty(values: FormValues, original: FormValues) -> bool:
    return any(edited(values, original, f.name) for f in fields(FormValues))


# -- single fields ---------------------------------------------------------------------
ALIASES = {"Turkey": "TR", "UK": "GB", "England": "GB", "Great Britain": "GB", "USA": "US",
           "America": "US", "Russia": "RU", "South Korea": "KR", "Korea": "KR", "Holland": "NL",
           "UAE": "AE", "Czechia": "CZ", "Vietnam": "VN", "Iran": "IR"}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = dict(ALIASES)
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(str(value), country.alpha_2)
    return names


def country_suggestion(text: str) -> str:
    """``Germny`` → ``DE (Germany)`` when a name was typed, even misspelt ('' when none)."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(text.strip(), list(_country_names()), scorer=fuzz.WRatio,
                               score_cutoff=80)
    if found is None:
        return ""
    code = _country_names()[found[0]]
    return f"{code} ({country_name(code)})"


def check_country(text: str) -> tuple[str | None, str]:
    """(normalised code or None when empty, error)."""
    code = text.strip()
    if not code:
        return None, ""
    if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code.upper()):
        return code.upper(), ""
    hint = country_suggestion(code)
    message = f"{code!r} is not an ISO country code (two letters, e.g. US)"
    return None, message + (f"; did you mean {hint}?" if hint else "")


def check_phone(text: str, country: str | None) -> tuple[str | None, str]:
    """(E.164 or None when empty, error)."""
    raw = text.strip()
    if not raw:
        return None, ""
    if not raw.startswith("+") and not country:
        return None, "Give the number with its + and country code, or set the country first"
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else country)
    except phonenumbers.NumberParseException:
        return None, f"{raw!r} does not read as a phone number"
    if not phonenumbers.is_valid_number(number):
        where = f" for {country}" if country and not raw.startswith("+") else ""
        return None, f"{raw!r} is not a valid phone number{where}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def check_email(text: str) -> tuple[str | None, str]:
    raw = text.strip()
    if not raw:
        return None, ""
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        return None, f"Not a valid email address: {error}"
    return raw, ""


class NonFiniteNumber(Exception):
    """A value holds NaN or an infinity, which JSON cannot carry (not a ValueError, so
    that the JSON parser's own errors stay apart from it)."""


NON_FINITE_WORDS = ("NaN", "Infinity", "-Infinity")


def _refuse_constant(name: str) -> Any:
    raise NonFiniteNumber(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise NonFiniteNumber(text)
    return value


def parse_value(text: str) -> Any:
    """A metadata value as typed: JSON when it looks like a number, list, object or
    boolean, else the text itself. Raises :class:`NonFiniteNumber` for NaN or infinity."""
    stripped = text.strip()
    if stripped in NON_FINITE_WORDS:
        raise NonFiniteNumber(stripped)
    if stripped[:1] in "-0123456789[{" or stripped in ("true", "false"):
        try:
            return json.loads(stripped, parse_constant=_refuse_constant, parse_float=_finite_float)
        except ValueError:
            return stripped
    return stripped


def _non_finite(key: str) -> str:
    return f"metadata {key!r}: NaN and infinity are not valid JSON numbers"


def _split_line(line: str) -> tuple[str, str, bool]:
    key, sep, value = line.partition("=")
    return key.strip(), value.strip(), bool(sep)


def parse_metadata(text: str, original: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The metadata the lines describe, keyed as the server keys them.

    A line left as it was shown keeps its original key and value (even when the key or
    value was cleaned for display); a line whose value was edited updates the original
    key it was shown with; any other line is a new key.
    """
    entries: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, value, sep = _split_line(line)
        if not sep or not key:
            return {}, f"Line {number}: write key = value"
        entries.append((number, key, value))
    # What was shown: (key, value) as displayed -> the original keys it stands for.
    shown: dict[tuple[str, str], list[str]] = {}
    shown_keys: dict[str, list[str]] = {}
    for key in sorted(original):
        display_key, display_value, _ = _split_line(metadata_line(key, original[key]))
        shown.setdefault((display_key, display_value), []).append(key)
        shown_keys.setdefault(display_key, []).append(key)
    result: dict[str, Any] = {}
    used: set[str] = set()
    rest: list[tuple[int, str, str]] = []
    for number, key, value in entries:  # untouched lines first, wherever they are
        same = [k for k in shown.get((key, value), []) if k not in used]
        if same:
            used.add(same[0])
            result[same[0]] = original[same[0]]
        else:
            rest.append((number, key, value))
    for number, key, value in rest:
        was = [k for k in shown_keys.get(key, []) if k not in used]
        if was:  # the value of a shown key was edited
            used.add(was[0])
            try:
                result[was[0]] = parse_value(value)
            except NonFiniteNumber:
                return {}, _non_finite(key)
            continue
        if len(key) > 128:
            return {}, f"Line {number}: a key is at most 128 characters"
        if key in result or key in shown_keys:
            return {}, f"Line {number}: the key {key!r} appears twice"
        try:
            result[key] = parse_value(value)
        except NonFiniteNumber:
            return {}, _non_finite(key)
    return result, ""


# -- the whole form ---------------------------------------------------------------------------
def check_form(values: FormValues, original: Contact | None) -> tuple[dict[str, Any], dict[str, str]]:
    """(payload to send, errors by field). Errors empty means the payload may be sent.

    For an edit, a field whose text is still what the form showed (see
    :func:`values_from`) is neither checked nor sent.
    """
    shown = values_from(original)

    def touched(name: str) -> bool:
        return original is None or edited(values, shown, name)

    errors: dict[str, str] = {}
    clean_values: dict[str, Any] = {}
    country = original.country_code if original else None
    if touched("country_code"):
        country, error = check_country(values.country_code)
        if error:
            errors["country_code"] = error
        clean_values["country_code"] = country
    if touched("phone"):
        phone_country = country or (original.country_code if original else None)
        phone, error = check_phone(values.phone, phone_country)
        if error:
            errors["phone"] = error
        clean_values["phone"] = phone
    if touched("email"):
        email, error = check_email(values.email)
        if error:
            errors["email"] = error
        clean_values["email"] = email
    for name in ("first_name", "last_name", "lifecycle_stage"):
        if touched(name):
            clean_values[name] = values.get(name).strip() or None
    meta_original = dict(original.metadata) if original else {}
    metadata, error = parse_metadata(values.metadata, meta_original)
    if error:
        errors["metadata"] = error
    if original is None and not errors and not clean_values["phone"] and not clean_values["email"]:
        errors["phone"] = "A contact needs a phone or an email"
    if errors:
        return {}, errors
    payload: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in clean_values:
            continue
        new = clean_values[name]
        old = getattr(original, name) if original else None
        if original is None:
            if new is not None:
                payload[name] = new
        elif new != (old or None):
            payload[name] = new
    if original is None:
        if metadata:
            payload["metadata"] = metadata
    else:
        changes = {k: v for k, v in metadata.items() if meta_original.get(k, object()) != v}
        changes.update({k: None for k in meta_original if k not in metadata})
        if changes:
            payload["metadata"] = changes
    if original is not None and ("phone" in payload or "email" in payload):
        phone_after = payload.get("phone", original.phone)
        email_after = payload.get("email", original.email)
        if not phone_after and not email_after:
            return {}, {"phone": "A contact needs a phone or an email"}
    return payload, {}


def form_field_for(server_field: str | None) -> str | None:
    """Which form field a server error's ``details.field`` names (None: not one of ours)."""
    if not server_field:
        return None
    head = server_field.split(".", 1)[0].split("[", 1)[0]
    return head if head in FORM_FIELDS else None


def stage_suggestions(known: list[str]) -> list[str]:
    out: list[str] = []
    for stage in [*known, *COMMON_STAGES]:
        if stage and stage not in out:
            out.append(stage)
    return out


def country_codes() -> list[str]:
    return sorted(country.alpha_2 for country in pycountry.countries)
