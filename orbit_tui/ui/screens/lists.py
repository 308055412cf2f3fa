"""``:lists`` — every contact list: create, rename or describe, delete, open the members.

Deleting a list asks first and says what happens: the contacts stay, only the list and
its memberships go (the contract's ``DELETE /contacts/lists/{id}``).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from orbit_tui.api.models import ContactList
from orbit_tui.ui.safe import clean, format_count, format_date
from orbit_tui.ui.screens.records import RecordsScreen, cell, notify_error

MAX_LISTS = 1000
NAME_LIMIT = 200


class ListsScreen(RecordsScreen[ContactList]):
    TITLE_TEXT = "Lists"
    COLUMNS = (
        ("name", "Name", None),
        ("description", "Description", None),
        ("members", "Members", 9),
        ("created", "Created", 10),
    )
    EMPTY_TEXT = "No lists yet. Press n to create one."

    BINDINGS = [
        Binding("enter", "open", "Members", show=False, id="lists.open"),
        Binding("n", "new", "New", id="lists.new"),
        Binding("e", "edit", "Edit", id="lists.edit"),
        Binding("ctrl+d", "delete", "Delete", id="lists.delete"),
    ]

    async def fetch(self, refresh: bool) -> list[ContactList]:
        return await self.read_all(self.orbit.lists_page, refresh=refresh, most=MAX_LISTS)

    def on_resize(self) -> None:
        self._size_columns()

    def _size_columns(self) -> None:
        width = self.size.width - 9 - 10 - 2 * 4 - 2
        name_w = max(12, width * 2 // 5)
        desc_w = max(10, width - name_w)
        table = self.table
        for key, w in (("name", name_w), ("description", desc_w)):
            column = table.columns.get(key)  # type: ignore[call-overload]
            if column is not None:
                column.width = w
                column.auto_width = False
        table.refresh()

    def mounted(self) -> None:
        self._size_columns()

    def cells(self, item: ContactList) -> list[Text]:
        return [
            cell(item.name),
            cell(item.description or "", "dim"),
            Text(format_count(item.member_count), justify="right"),
            cell(format_date(item.created_at)),
        ]

    def counts_line(self) -> str:
        n = len(self.items)
        return f"{format_count(n)} list{'s' if n != 1 else ''}"

    # -- actions ----------------------------------------------------------------------
    def action_open(self) -> None:
        item = self.current
        if item is not None:
            from orbit_tui.ui.screens.list_members import ListMembersScreen

            self.app.push_screen(ListMembersScreen(item))

    def action_new(self) -> None:
        if self.orbit_app.refused():
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self._create(*answer)

        self.app.push_screen(ListFormScreen(), done)

    def action_edit(self) -> None:
        item = self.current
        if item is None or self.orbit_app.refused():
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self._update(item, *answer)

        self.app.push_screen(ListFormScreen(item), done)

    def action_delete(self) -> None:
        item = self.current
        if item is None or self.orbit_app.refused():
            return
        from orbit_tui.ui.screens.confirm import DeleteConfirmScreen

        members = format_count(item.member_count)
        consequence = (
            f"Its {members} member{'s' if item.member_count != 1 else ''} are kept: "
            "only the list and the memberships go. No contact is deleted."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete(item)

        live = self.gate.policy.live
        self.app.push_screen(
            DeleteConfirmScreen("the list", item.name, item.id, live=live, consequence=consequence),
            answer,
        )

    @work(group="lists-change", exit_on_error=False)
    async def _create(self, name: str, description: str) -> None:
        try:
            created = await self.gate.create_list(name, description or None)
        except Exception as error:  # noqa: BLE001
            notify_error(self, error, "Could not create the list")
            return
        self.notify(f"Created the list {clean(created.name)}", markup=False)
        self.items.append(created)
        self.show(self.items, keep_key=created.id)
        self.reload(refresh=True)

    @work(group="lists-change", exit_on_error=False)
    async def _update(self, item: ContactList, name: str, description: str) -> None:
        try:
            updated = await self.gate.update_list(item.id, name=name, description=description)
        except Exception as error:  # noqa: BLE001
            notify_error(self, error, "Could not change the list")
            return
        self.notify(f"Saved the list {clean(updated.name)}", markup=False)
        self.show([updated if i.id == item.id else i for i in self.items], keep_key=item.id)

    @work(group="lists-change", exit_on_error=False)
    async def _delete(self, item: ContactList) -> None:
        try:
            await self.gate.delete_list(item.id, confirmed=True)  # asked in action_delete
        except Exception as error:  # noqa: BLE001
            notify_error(self, error, "Could not delete the list")
            return
        self.notify(f"Deleted the list {clean(item.name)}; its contacts are kept", markup=False)
        self.show([i for i in self.items if i.id != item.id])


class ListFormScreen(ModalScreen[tuple[str, str] | None]):
    """Name and description of a new or existing list; ``ctrl+s`` or enter saves."""

    DEFAULT_CSS = """
    ListFormScreen { align: center middle; }
    #list-form { width: 64; max-width: 100%; height: auto; border: round $accent;
                 background: $surface; padding: 1 2; }
    #list-form Input { margin-bottom: 1; }
    #list-form-error { color: $error; height: auto; }
    #list-form-buttons { height: auto; align-horizontal: right; }
    #list-form-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="listform.save"),
        Binding("escape", "cancel", "Cancel", id="listform.cancel"),
    ]

    def __init__(self, existing: ContactList | None = None, *, name: str = "") -> None:
        super().__init__()
        self.existing = existing
        self._name = existing.name if existing else name
        # Inputs show cleaned text (an escape in a stored name must not reach the
        # terminal); a field left as shown keeps its stored value on save.
        self._shown_name = clean(self._name)
        self._description = (existing.description or "") if existing else ""
        self._shown_description = clean(self._description)

    def compose(self) -> ComposeResult:
        with Vertical(id="list-form") as box:
            box.border_title = "Edit list" if self.existing else "New list"
            box.border_subtitle = "ctrl+s save · esc cancel"
            yield Static("Name", markup=False)
            yield Input(self._shown_name, placeholder="e.g. Spring campaign", id="list-name",
                        max_length=max(NAME_LIMIT, len(self._shown_name)))
            yield Static("Description", markup=False)
            yield Input(self._shown_description, placeholder="optional", id="list-description")
            yield Static("", id="list-form-error", markup=False)
            with Horizontal(id="list-form-buttons"):
                yield Button("Cancel", id="list-cancel")
                yield Button("Save", variant="primary", id="list-save")

    def on_mount(self) -> None:
        blink = self.app.animation_level != "none"
        for widget in self.query(Input):
            widget.cursor_blink = blink
        self.query_one("#list-name", Input).focus()

    def action_save(self) -> None:
        name = self.query_one("#list-name", Input).value
        description = self.query_one("#list-description", Input).value
        # Untouched fields keep what is stored, hostile characters and all.
        name = (self._name or "").strip() if name == self._shown_name else name.strip()
        if description == self._shown_description:
            description = self._description.strip()
        else:
            description = description.strip()
        if not name:
            self.query_one("#list-form-error", Static).update("A list needs a name.")
            self.query_one("#list-name", Input).focus()
            return
        self.dismiss((name, description))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "list-name":
            self.query_one("#list-description", Input).focus()
        else:
            self.action_save()

    @on(Button.Pressed, "#list-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#list-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


def list_label(item: Any) -> str:
    """``Name (1,234)`` for pickers and messages."""
    return f"{clean(item.name)} ({format_count(item.member_count)})"
