"""The detail screen's actions that change data: edit, delete, preferences, lists, copy.

Each runs its request in a worker that never takes the app down; failures are shown in
plain words (and in the status bar) and the screen keeps what it showed before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import OptionList

from orbit_tui.api.models import Contact, ContactList
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.clipboard import CopyChooser, copy_value, copyable_fields
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.confirm import DeleteConfirmScreen
from orbit_tui.ui.screens.contact_form import ContactFormScreen
from orbit_tui.ui.screens.list_picker import ListPickerScreen
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.widgets.preferences import PreferencesBar

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit
    from orbit_tui.gate import Gate
    from orbit_tui.ui.status import AppStatus

MUTATIONS = frozenset({"edit", "edit_tags", "delete", "add_to_list", "remove_from_list", "toggle_preference"})


class DetailActions(Screen[None]):
    """Mixed into :class:`~orbit_tui.ui.screens.detail.ContactDetailScreen`."""

    contact: Contact
    lists: list[ContactList]
    _status: AppStatus

    # Provided by the screen.
    @property
    def orbit(self) -> CachedOrbit:
        raise NotImplementedError

    def show_contact(self, contact: Contact) -> None:
        raise NotImplementedError

    def load_lists(self, *, refresh: bool = False) -> None:
        raise NotImplementedError

    def report(self, error: BaseException) -> None:
        raise NotImplementedError

    @property
    def gate(self) -> Gate:
        return orbit_app(self).gate

    # -- edit --------------------------------------------------------------------------
    def action_edit_tags(self) -> None:
        """``t``: the tag editor for this one contact (applied at once, cache written through)."""
        from orbit_tui.ui.screens.tag_editor import edit_tags

        edit_tags(orbit_app(self), [self.contact.id], [self.contact])

    def action_edit(self) -> None:
        known = list(self.orbit.known_stages())
        form = ContactFormScreen(self.gate, self._status, self.contact, known_stages=known)

        def saved(contact: Contact | None) -> None:
            if contact is not None:
                self.show_contact(contact)
                orbit_app(self).contact_saved(contact)

        self.app.push_screen(form, saved)

    # -- delete ----------------------------------------------------------------------------
    def action_delete(self) -> None:
        contact = self.contact
        live = self.gate.policy.live

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._delete(contact), group="detail-delete", exit_on_error=False)

        self.app.push_screen(
            DeleteConfirmScreen("contact", contact.display_name, contact.id, live=live,
                                consequence="Its list memberships go with it."),
            answer,
        )

    async def _delete(self, contact: Contact) -> None:
        try:
            await self.gate.delete_contact(contact.id, confirmed=True)  # asked in action_delete
        except Exception as error:  # noqa: BLE001
            self.report(error)
            return
        self.notify(f"Deleted {clean(contact.display_name)[:80]}", markup=False)
        orbit_app(self).contact_deleted(contact.id)
        if self.is_current:
            self.dismiss(None)

    # -- preferences -------------------------------------------------------------------------
    def save_preference(self, channel: str, value: bool) -> None:
        bar = self.query_one(PreferencesBar)
        before = dict(self.contact.preferences)
        bar.set_preferences({**before, channel: value}, saving=channel)
        self.run_worker(self._save_preference(channel, value, before), group="detail-prefs",
                        exit_on_error=False)

    async def _save_preference(self, channel: str, value: bool,
                               before: dict[str, bool | None]) -> None:
        bar = self.query_one(PreferencesBar)
        try:
            result = await self.gate.set_preferences(self.contact.id, {channel: value})
        except Exception as error:  # noqa: BLE001
            bar.set_preferences(before)
            self.report(error)
            return
        contact = self.contact.model_copy(update={"preferences": dict(result.preferences)})
        self.contact = contact
        bar.set_preferences(contact.preferences)
        word = "opted in to" if value else "opted out of"
        self.notify(f"{clean(contact.display_name)[:60]} {word} {channel}", markup=False)
        orbit_app(self).contact_saved(contact)

    # -- lists ---------------------------------------------------------------------------------
    def action_add_to_list(self) -> None:
        self.run_worker(self._pick_list(), group="detail-lists-pick", exclusive=True,
                        exit_on_error=False)

    async def _pick_list(self) -> None:
        try:
            result = await self.orbit.lists_page()
        except Exception as error:  # noqa: BLE001
            self.report(error)
            return
        current = {item.id for item in self.lists}

        def picked(chosen: ContactList | None) -> None:
            if chosen is not None:
                self.run_worker(self._add_to(chosen), group="detail-lists-add",
                                exit_on_error=False)

        self.app.push_screen(ListPickerScreen(result.page.items, exclude=current), picked)

    async def _add_to(self, chosen: ContactList) -> None:
        try:
            await self.gate.add_members(chosen.id, [self.contact.id])
        except Exception as error:  # noqa: BLE001
            self.report(error)
            return
        self.notify(f"Added to {clean(chosen.name)[:60]}", markup=False)
        self.load_lists()

    def action_remove_from_list(self) -> None:
        options = self.query_one("#lists", OptionList)
        option = options.highlighted_option
        if not options.has_focus or option is None or not option.id:
            self.notify("Move to the Lists section (tab) and highlight a list to remove.",
                        markup=False)
            return
        chosen = next((item for item in self.lists if item.id == option.id), None)
        if chosen is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._remove_from(chosen), group="detail-lists-remove",
                                exit_on_error=False)

        name = clean(chosen.name)[:60]
        self.app.push_screen(ConfirmScreen(f"Remove {clean(self.contact.display_name)[:60]} "
                                           f"from the list {name}?", yes="Remove"), answer)

    async def _remove_from(self, chosen: ContactList) -> None:
        try:
            await self.gate.remove_member(chosen.id, self.contact.id)
        except Exception as error:  # noqa: BLE001
            self.report(error)
            return
        self.notify(f"Removed from {clean(chosen.name)[:60]}", markup=False)
        self.load_lists()

    # -- copy --------------------------------------------------------------------------------------
    def action_copy(self) -> None:
        fields = {label: value for _, label, value in copyable_fields(self.contact)}

        def chosen(label: str | None) -> None:
            if label and label in fields:
                copy_value(self.app, label, fields[label])

        self.app.push_screen(CopyChooser(self.contact), chosen)
