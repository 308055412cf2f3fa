"""``ctrl+d`` on the contacts screen: delete the current contact after a confirmation.

With rows marked, the marked set is what the user means, and deleting many contacts is
a bulk job (journalled, resumable): this says so instead of deleting one row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orbit_tui.api.models import Contact
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen

if TYPE_CHECKING:
    from orbit_tui.ui.screens.contacts import ContactsScreen

BULK_DELETE_LATER = (
    "{count} contacts are marked: bulk delete comes with the bulk jobs screen. "
    "Unmark them (U) to delete the current contact only."
)


def delete_current(screen: ContactsScreen) -> None:
    app = screen.orbit_app
    if app.refused():
        return
    if len(app.marks):
        screen.notify(BULK_DELETE_LATER.format(count=len(app.marks)), title="Not yet",
                      markup=False)
        return
    contact = screen.current_contact()
    if contact is None:
        screen.notify("No contact is highlighted.", markup=False)
        return
    live = app.gate.policy.live

    def answer(yes: bool | None) -> None:
        if yes:
            screen.run_worker(_delete(screen, contact), group="contacts-delete",
                              exit_on_error=False)

    app.push_screen(
        DeleteConfirmScreen("contact", contact.display_name, contact.id, live=live,
                            consequence="Its list memberships go with it."),
        answer,
    )


async def _delete(screen: ContactsScreen, contact: Contact) -> None:
    app = screen.orbit_app
    try:
        await app.gate.delete_contact(contact.id, confirmed=True)  # asked in delete_current
    except Exception as error:  # noqa: BLE001 - reported, never fatal
        app.report_error(error)
        screen.notify(describe_error(error), severity="error", timeout=8, markup=False)
        return
    screen.notify(f"Deleted {clean(contact.display_name)[:80]}", markup=False)
    app.contact_deleted(contact.id)
