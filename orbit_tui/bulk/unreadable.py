"""Contacts Orbit sent with values that could not be read are left out of a job.

The client keeps such a contact, with what could be read, and names the odd fields in
``Contact.unreadable`` (see :func:`orbit_tui.api.models.lenient_contact`). Acting on it
would act on half-read data (a tag list missing an entry, say): the plan skips it and
says so, by contact, in the preview and the command line's summary.
"""

from __future__ import annotations

from orbit_tui.bulk.model import Plan
from orbit_tui.bulk.targets import will_change

SHOWN = 5  # contacts named in the preview's note


def skip_unreadable(plan: Plan) -> Plan:
    """Take the half-read contacts out of ``plan`` (in place), with a note; returns it."""
    odd = {cid: state["unreadable"] for cid, state in plan.before.items() if state.get("unreadable")}
    if not odd:
        return plan
    for cid, fields in odd.items():
        verdict = will_change(plan.op, plan.before.pop(cid))
        if verdict is None:
            plan.unknown -= 1
        elif verdict:
            plan.will_change -= 1
        else:
            plan.already_match -= 1
        plan.skipped[cid] = (
            "Skipped: Orbit sent values that could not be read "
            f"({', '.join(fields)}); the contact is left as it is."
        )
    plan.contact_ids = [cid for cid in plan.contact_ids if cid not in odd]
    named = ", ".join(f"{cid} ({', '.join(odd[cid])})" for cid in list(odd)[:SHOWN])
    more = f" and {len(odd) - SHOWN} more" if len(odd) > SHOWN else ""
    plan.notes.append(
        f"{len(odd)} contact(s) skipped because Orbit sent values that could not be read: "
        f"{named}{more}. They are left as they are; check them in the app."
    )
    return plan
