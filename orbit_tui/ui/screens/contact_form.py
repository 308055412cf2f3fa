"""The form that edits a contact (``e`` on the detail screen) or creates one (``n``).

Checks run before anything is sent (see :mod:`orbit_tui.ui.contact_edit`) and put their
message under the field. A refusal from the server (422 naming ``details.field``, or a
409 duplicate phone/email) lands on the field it names too. ``ctrl+s`` saves; ``escape``
leaves, asking first when something was changed. The screen dismisses with the saved
contact (or ``None`` when left without saving).

The fields show the server's values cleaned for display (``values_from``): no escape
sequence, control, bidi or zero-width character reaches an Input or the TextArea, and so
the terminal. Only fields whose text the user changed from what was shown are sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Static, TextArea

from orbit_tui.api.errors import ConflictError, ValidationError
from orbit_tui.api.models import Contact
from orbit_tui.ui.contact_edit import (
    LABELS,
    TEXT_FIELDS,
    FormValues,
    check_form,
    country_codes,
    form_field_for,
    is_dirty,
    stage_suggestions,
    values_from,
)
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.detail_text import country_name
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.safe import clean
from orbit_tui.ui.screens.modals import ConfirmScreen
from orbit_tui.ui.status import AppStatus
from orbit_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from orbit_tui.gate import Gate

PLACEHOLDERS = {
    "first_name": "",
    "last_name": "",
    "phone": "national (with the country) or +international",
    "email": "name@example.com",
    "country_code": "two letters, e.g. US",
    "lifecycle_stage": "subscriber, lead, customer, churned…",
}


class ContactFormScreen(Screen[Contact | None]):
    DEFAULT_CSS = """
    ContactFormScreen #form-title { height: 1; padding: 0 1; background: $panel; }
    ContactFormScreen #form-body { height: 1fr; padding: 0 1; }
    ContactFormScreen .form-row { height: 1; margin-top: 1; }
    ContactFormScreen .form-label { width: 12; }
    ContactFormScreen .form-row Input { width: 1fr; }
    ContactFormScreen #field-country_code { width: 8; }
    ContactFormScreen .form-hint { width: auto; max-width: 30; padding: 0 0 0 1; color: $text-muted; }
    ContactFormScreen .form-error { height: auto; padding: 0 0 0 12; color: $error; display: none; }
    ContactFormScreen .form-error.shown { display: block; }
    ContactFormScreen #meta-label { margin-top: 1; height: 1; }
    ContactFormScreen #field-metadata { height: 6; }
    ContactFormScreen #form-message { height: auto; color: $error; padding: 0 1; display: none; }
    ContactFormScreen #form-message.shown { display: block; }
    ContactFormScreen #form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ContactFormScreen #form-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, gate: Gate, status: AppStatus, contact: Contact | None = None,
                 *, known_stages: list[str] | None = None) -> None:
        super().__init__()
        self.gate = gate
        self._status = status
        self.contact = contact
        self.original = values_from(contact)
        self.known_stages = stage_suggestions(known_stages or [])
        self.errors: dict[str, str] = {}
        self.saving = False

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(self._status)
        title = Text(no_wrap=True, overflow="ellipsis")
        if self.contact is None:
            title.append("New contact", style="bold")
        else:
            title.append("Edit ", style="bold")
            title.append(clean(self.contact.display_name)[:120], style="bold")
            title.append(f"  {clean(self.contact.id)}", style="dim")
        yield Static(title, id="form-title")
        blink = self.app.animation_level != "none"
        with VerticalScroll(id="form-body"):
            for name in TEXT_FIELDS:
                with Horizontal(classes="form-row"):
                    yield Static(LABELS[name], classes="form-label", markup=False)
                    field = Input(
                        self.original.get(name),
                        placeholder=PLACEHOLDERS[name],
                        id=f"field-{name}",
                        compact=True,
                        suggester=self._suggester(name),
                    )
                    field.cursor_blink = blink
                    yield field
                    if name == "country_code":
                        yield Static("", id="country-hint", classes="form-hint", markup=False)
                yield Static("", id=f"error-{name}", classes="form-error", markup=False)
            yield Static("Metadata  one key = value per line; delete a line to remove the key",
                         id="meta-label", markup=False)
            area = TextArea(self.original.metadata, id="field-metadata", soft_wrap=False,
                            compact=True)
            area.cursor_blink = blink
            yield area
            yield Static("", id="error-metadata", classes="form-error", markup=False)
            yield Static("", id="form-message", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button("Cancel (esc)", id="form-cancel")
                yield Button("Save (ctrl+s)", variant="primary", id="form-save")
        yield Footer(compact=True)

    def _suggester(self, name: str) -> SuggestFromList | None:
        if name == "country_code":
            return SuggestFromList(country_codes(), case_sensitive=False)
        if name == "lifecycle_stage":
            return SuggestFromList(self.known_stages, case_sensitive=False)
        return None

    def on_mount(self) -> None:
        self._paint_country()
        self.query_one("#field-first_name", Input).focus()

    # -- values ---------------------------------------------------------------------
    def values(self) -> FormValues:
        found = {name: self.query_one(f"#field-{name}", Input).value for name in TEXT_FIELDS}
        return FormValues(**found, metadata=self.query_one("#field-metadata", TextArea).text)

    def set_value(self, name: str, value: str) -> None:
        if name == "metadata":
            self.query_one("#field-metadata", TextArea).text = value
        else:
            self.query_one(f"#field-{name}", Input).value = value

    @property
    def dirty(self) -> bool:
        return is_dirty(self.values(), self.original)

    @on(Input.Changed, "#field-country_code")
    def _paint_country(self) -> None:
        code = self.query_one("#field-country_code", Input).value.strip()
        self.query_one("#country-hint", Static).update(country_name(code) if len(code) == 2 else "")

    # -- errors -----------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str], message: str = "") -> None:
        self.errors = dict(errors)
        for name in (*TEXT_FIELDS, "metadata"):
            label = self.query_one(f"#error-{name}", Static)
            error = errors.get(name, "")
            label.update(Text(f"⚠ {clean(error)}") if error else "")
            label.set_class(bool(error), "shown")
            widget = self.query_one(f"#field-{name}")
            widget.set_class(bool(error), "-invalid")
        note = self.query_one("#form-message", Static)
        note.update(Text(clean(message)) if message else "")
        note.set_class(bool(message), "shown")
        if errors:
            first = next(name for name in (*TEXT_FIELDS, "metadata") if name in errors)
            self.query_one(f"#field-{first}").focus()

    def error_for(self, name: str) -> str:
        return self.errors.get(name, "")

    # -- actions ------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        payload, errors = check_form(self.values(), self.contact)
        if errors:
            self.show_errors(errors)
            return
        if not payload:
            self.notify("Nothing changed.", markup=False)
            self.dismiss(None)
            return
        self.show_errors({}, "")
        self.saving = True
        self.query_one("#form-save", Button).label = "Saving…"
        self.run_worker(self._send(payload), group="form-save", exit_on_error=False)

    async def _send(self, payload: dict[str, Any]) -> None:
        try:
            if self.contact is None:
                saved = await self.gate.create_contact(payload)
            else:
                saved = await self.gate.update_contact(self.contact.id, payload)
        except (ValidationError, ConflictError) as error:
            self._failed()
            field = form_field_for(error.field)
            reason = error.message or error.title
            if isinstance(error, ConflictError) and error.field:
                reason = f"Another contact already has this {error.field} ({error.message})"
            if field is not None:
                self.show_errors({field: reason}, "")
            else:
                self.show_errors({}, describe_error(error))
            return
        except Exception as error:  # noqa: BLE001 - shown on the form, the edit kept
            self._failed()
            self.show_errors({}, describe_error(error))
            orbit_app(self).report_error(error)
            return
        self.saving = False
        verb = "Created" if self.contact is None else "Saved"
        self.notify(f"{verb} {clean(saved.display_name)[:80]}", markup=False)
        self.dismiss(saved)

    def _failed(self) -> None:
        self.saving = False
        self.query_one("#form-save", Button).label = "Save (ctrl+s)"

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard the unsaved changes?", yes="Discard", no="Keep editing"),
            answer,
        )

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
