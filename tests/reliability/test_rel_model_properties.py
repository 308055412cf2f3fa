"""Server JSON with extra keys, missing optional fields or nulls: the models still parse.

For each model a full, realistic record is the base; hypothesis drops any optional
fields, sets any of them to null and adds random extra keys with random JSON values.
Parsing never raises for a record that has its id.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orbit_tui.api.models import ActivityItem, Contact, ContactList, Segment

BASES: dict[type, dict[str, Any]] = {
    Contact: {"id": "con_1", "phone": "+14155552671", "email": "a@example.com", "first_name": "Ann",
              "last_name": "Lee", "country_code": "US", "lifecycle_stage": "lead", "tags": ["vip"],
              "metadata": {"plan": "pro"}, "preferences": {"sms": True},
              "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
              "opted_out_channels": ["sms"]},
    ContactList: {"id": "lst_1", "name": "VIP", "description": "d", "member_count": 3,
                  "created_at": "2026-01-01T00:00:00Z"},
    Segment: {"id": "seg_1", "name": "S", "rules": {"country_code": "US"}, "contact_count": 4,
              "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
    ActivityItem: {"id": "act_1", "type": "message.sent", "channel": "sms", "message_id": "m1",
                   "timestamp": "2026-01-01T00:00:00Z", "summary": "hi"},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(model=st.sampled_from(list(BASES)), data=st.data())
def test_models_accept_extra_missing_and_null_fields(model: type, data: Any) -> None:
    record = dict(BASES[model])
    optional = [k for k in record if k != "id"]
    dropped = data.draw(st.sets(st.sampled_from(optional)), label="dropped")
    nulled = data.draw(st.sets(st.sampled_from(optional)), label="nulled")
    for key in dropped:
        record.pop(key, None)
    for key in nulled - dropped:
        record[key] = None
    extra = data.draw(st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda k: k not in BASES[model]),
                                      json_values, max_size=4), label="extra")
    record.update(extra)
    parsed = model.model_validate(record)
    assert parsed.id == BASES[model]["id"]
