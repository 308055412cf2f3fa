"""The rule builder's row widgets: a condition (field · operator · value) or a group.

Each widget edits one :class:`orbit_tui.ui.rule_rows.Row` in place and posts
``RowEdited`` when it changed; the screen owns the list of rows and rebuilds the widgets
when the structure changes. The operators offered follow the field
(:func:`orbit_tui.rules.operators_for`); the value input suggests by the field's kind
(known tags, stages, countries, true/false) and shows the date format for dates. An error
(ours or the server's) is shown under the row it names, as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select, Static

from orbit_tui import rules as grammar
from orbit_tui.ui.rule_rows import GROUP_KINDS, GROUP_LABELS, Row
from orbit_tui.ui.safe import clean

FIELD_NAMES: tuple[str, ...] = (*grammar.FIELDS, *grammar.CHANNEL_FIELDS, "metadata.")
OPERATOR_LABELS: dict[str, str] = {
    "$eq": "=",
    "$ne": "≠",
    "$contains": "contains",
    "$in": "in",
    "$nin": "not in",
    "$exists": "exists",
    "$gt": ">",
    "$gte": "≥",
    "$lt": "<",
    "$lte": "≤",
}
INDENT = 2


def operators(field: str) -> tuple[str, ...]:
    try:
        return grammar.operators_for(field.strip())
    except ValueError:
        return grammar.OPERATORS


def _known(field: str) -> bool:
    try:
        grammar.field_kind(field.strip())
    except ValueError:
        return False
    return True


def value_hint(field: str, op: str) -> str:
    if op == "$exists":
        return "true / false"
    try:
        kind = grammar.field_kind(field.strip())
    except ValueError:
        return "value"
    many = op in ("$in", "$nin")
    if kind == "date":
        return "YYYY-MM-DD, …" if many else "YYYY-MM-DD or ISO time"
    if kind == "bool":
        return "true / false"
    if kind == "tags":
        return "tag, tag, …" if many or op in ("$eq", "$ne") else "tag"
    if kind == "any":
        return 'value (42, "text", true)'
    return "value, value, …" if many else "value"


class RowEdited(Message):
    """A row's field, operator, value or group kind changed (structure unchanged)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class RowWidget(Vertical):
    DEFAULT_CSS = """
    RowWidget { height: auto; }
    RowWidget .rb-line { height: 1; }
    RowWidget .rb-error { color: $error; height: auto; display: none; padding-left: 2; }
    RowWidget.has-error .rb-error { display: block; }
    RowWidget .rb-field { width: 17; }
    RowWidget .rb-op { width: 12; }
    RowWidget .rb-value { width: 1fr; }
    RowWidget .rb-group { width: 16; }
    RowWidget .rb-group-note { width: 1fr; color: $text-muted; padding-left: 1; }
    RowWidget Input { border: none; height: 1; padding: 0 1; }
    RowWidget.current .rb-line { background: $boost; }
    """

    def __init__(
        self,
        index: int,
        row: Row,
        suggestions: Callable[[str, str], Sequence[str]],
    ) -> None:
        super().__init__(classes="rb-row")
        self.index = index
        self.row = row
        self._suggestions = suggestions
        # Inputs show cleaned text (nothing from the server reaches the terminal raw);
        # text left as shown stands for the stored value, so saving never rewrites it.
        self._stored = {"field": row.field, "value": row.value}
        self._shown = {"field": clean(row.field), "value": clean(row.value)}

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        row = self.row
        with Horizontal(classes="rb-line") as line:
            line.styles.padding = (0, 0, 0, row.depth * INDENT)
            if row.is_group:
                yield Select(
                    [(GROUP_LABELS[k], k) for k in GROUP_KINDS],
                    value=row.kind,
                    allow_blank=False,
                    compact=True,
                    classes="rb-group",
                )
                yield Static(
                    "ctrl+n adds inside", classes="rb-group-note", markup=False
                )
            else:
                yield Input(
                    self._shown["field"],
                    placeholder="field",
                    suggester=SuggestFromList(FIELD_NAMES, case_sensitive=False),
                    compact=True,
                    classes="rb-field",
                )
                ops = operators(row.field)
                yield Select(
                    [(OPERATOR_LABELS.get(op, op), op) for op in ops],
                    value=row.op if row.op in ops else ops[0],
                    allow_blank=False,
                    compact=True,
                    classes="rb-op",
                )
                yield Input(
                    self._shown["value"],
                    placeholder=value_hint(row.field, row.op),
                    suggester=self._value_suggester(),
                    compact=True,
                    classes="rb-value",
                )
        yield Static("", classes="rb-error", markup=False)

    def on_mount(self) -> None:
        blink = self.app.animation_level != "none"
        for widget in self.query(Input):
            widget.cursor_blink = blink
        if not self.row.is_group and self.row.op not in operators(self.row.field):
            self.row.op = operators(self.row.field)[0]

    def _value_suggester(self) -> SuggestFromList | None:
        values = list(self._suggestions(self.row.field.strip(), self.row.op))
        return SuggestFromList(values, case_sensitive=False) if values else None

    # -- errors ------------------------------------------------------------------------
    def set_error(self, message: str | None) -> None:
        self.set_class(bool(message), "has-error")
        self.query_one(".rb-error", Static).update(Text("⚠ " + clean(message)) if message else "")

    @property
    def error_text(self) -> str:
        if not self.has_class("has-error"):
            return ""
        return str(self.query_one(".rb-error", Static).render())

    def focus_first(self) -> None:
        if self.row.is_group:
            self.query_one(Select).focus()
        else:
            self.query_one(".rb-field", Input).focus()

    # -- edits -------------------------------------------------------------------------
    @on(Input.Changed, ".rb-field")
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        field = self._typed("field", event.value)
        if field == self.row.field:
            return
        was_known = _known(self.row.field)
        self.row.field = field
        ops = operators(field)
        select = self.query_one(".rb-op", Select)
        current = self.row.op if was_known else ops[0]
        select.set_options([(OPERATOR_LABELS.get(op, op), op) for op in ops])
        self.row.op = current if current in ops else ops[0]
        select.value = self.row.op
        self._refresh_value_input()
        self.post_message(RowEdited(self.index))

    @on(Select.Changed, ".rb-op")
    def _op_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if value is Select.BLANK or value == self.row.op:
            return
        self.row.op = str(value)
        self._refresh_value_input()
        self.post_message(RowEdited(self.index))

    @on(Input.Changed, ".rb-value")
    def _value_changed(self, event: Input.Changed) -> None:
        event.stop()
        value = self._typed("value", event.value)
        if value == self.row.value:
            return
        self.row.value = value
        self.post_message(RowEdited(self.index))

    def _typed(self, which: str, text: str) -> str:
        """What an Input's text means: the stored value while it reads as shown."""
        return self._stored[which] if text == self._shown[which] else text

    @on(Select.Changed, ".rb-group")
    def _group_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if value is Select.BLANK or value == self.row.kind:
            return
        self.row.kind = value  # type: ignore[assignment]
        self.post_message(RowEdited(self.index))

    def _refresh_value_input(self) -> None:
        value_input = self.query_one(".rb-value", Input)
        value_input.placeholder = value_hint(self.row.field, self.row.op)
        value_input.suggester = self._value_suggester()
