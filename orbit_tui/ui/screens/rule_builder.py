"""The segment rule builder: rows on the left, the live JSON on the right, the match count.

- Rows are ``field · operator · value`` conditions and all-of / any-of / none-of groups,
  nested from the keyboard: ``ctrl+n`` adds a condition (inside a group when on its
  header), ``ctrl+g`` adds a group, ``alt+right``/``alt+left`` move a row into the group
  above / out of its group, ``ctrl+r`` removes a row (a group with what it holds).
- The JSON beside the rows follows every edit. Editing the JSON (``tab`` to it) rebuilds
  the rows when it is a valid rule; otherwise the error is shown under it (line and
  column, or the rule path) and nothing can be saved until it is fixed.
- Every change re-counts: at once an estimate from the contacts in the local cache
  (marked ≈), then, debounced, Orbit's own count and a sample from the preview endpoint.
- ``ctrl+s`` validates (errors land on their rows) and saves; the server's validation
  error (``details.field`` such as ``rules.$or[1].tags``) lands on the row it names.

The rows model and its conversions are :mod:`orbit_tui.ui.rule_rows` (no Textual).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static, TextArea

from orbit_tui import rules as grammar
from orbit_tui.api.errors import ValidationError
from orbit_tui.api.models import COMMON_STAGES, Segment
from orbit_tui.ui.rule_rows import (
    Row,
    indent,
    insert_condition,
    insert_group,
    outdent,
    remove_row,
    row_for_path,
    rows_to_rules,
    rules_json,
    rules_to_rows,
)
from orbit_tui.ui.safe import clean, format_count
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.screens.records import notify_error
from orbit_tui.ui.widgets.rule_rows import RowEdited, RowWidget

if TYPE_CHECKING:
    from orbit_tui.cache import CachedOrbit

PREVIEW_DEBOUNCE_S = 0.4


class RowsScroll(VerticalScroll, can_focus=False):
    """The rows' scroller: focus goes to the rows' inputs, not to the scroller."""

ESTIMATE_LIMIT = 5000
SAMPLE_NAMES = 5


def _countries() -> list[str]:
    try:
        import pycountry

        return sorted(c.alpha_2 for c in pycountry.countries)
    except Exception:  # noqa: BLE001 - suggestions are a nicety
        return []


class RuleBuilderScreen(Screen[Segment | None]):
    DEFAULT_CSS = """
    RuleBuilderScreen #rb-head { height: 1; }
    RuleBuilderScreen #rb-title { width: auto; padding: 0 1; text-style: bold; }
    RuleBuilderScreen #rb-name { width: 1fr; border: none; height: 1; padding: 0 1; }
    RuleBuilderScreen #rb-name-error { color: $error; height: auto; display: none; padding: 0 1; }
    RuleBuilderScreen #rb-name-error.active { display: block; }
    RuleBuilderScreen #rb-body { height: 1fr; }
    RuleBuilderScreen #rb-rows { width: 3fr; height: 1fr; border: round $primary-darken-2;
                                 padding: 0 1; }
    RuleBuilderScreen #rb-side { width: 2fr; height: 1fr; }
    RuleBuilderScreen #rb-json { height: 1fr; border: round $primary-darken-2; }
    RuleBuilderScreen #rb-json:focus { border: round $accent; }
    RuleBuilderScreen #rb-rows:focus-within { border: round $accent; }
    RuleBuilderScreen #rb-json-error { color: $error; height: auto; max-height: 4; display: none; }
    RuleBuilderScreen #rb-json-error.active { display: block; }
    RuleBuilderScreen #rb-empty { color: $text-muted; padding: 0 1; }
    RuleBuilderScreen #rb-count { height: 1; padding: 0 1; }
    RuleBuilderScreen #rb-sample { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="rules.save"),
        Binding("ctrl+n", "add_condition", "Condition", id="rules.add_condition"),
        Binding("ctrl+g", "add_group", "Group", id="rules.add_group"),
        Binding("ctrl+r", "remove_row", "Remove row", id="rules.remove"),
        Binding("alt+right", "indent", "Into group", id="rules.indent"),
        Binding("alt+left", "outdent", "Out of group", id="rules.outdent"),
        Binding("escape", "cancel", "Cancel", id="rules.cancel"),
    ]

    def __init__(self, segment: Segment | None = None) -> None:
        super().__init__()
        self.segment = segment
        self._unreadable = ""
        try:
            self.rows: list[Row] = rules_to_rows(segment.rules) if segment else [Row()]
        except (grammar.RuleValidationError, TypeError, ValueError) as error:
            # Rules this app cannot read (a newer server?): show them as JSON to fix.
            self.rows = []
            self._unreadable = str(error)
        self.paths: list[str] = []
        self.json_invalid = False
        self.estimate_text = ""
        self.server_text = ""
        self.sample_text = ""
        self.saving = False
        self._written_json = ""
        self._preview_timer: Timer | None = None
        self._cached: list[Any] | None = None
        self._tags: list[str] = []
        self._stages: list[str] = []
        self._countries: list[str] = []
        self._current = 0
        # The name Input shows cleaned text; left as shown, the stored name is kept.
        self._shown_name = clean(segment.name) if segment else ""

    @property
    def orbit(self) -> CachedOrbit:
        return orbit_app(self).orbit

    # -- layout ---------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="rb-head"):
            yield Static("Segment" if self.segment is None else "Edit segment", id="rb-title")
            yield Input(
                self._shown_name,
                placeholder="segment name",
                id="rb-name",
                compact=True,
            )
        yield Static("", id="rb-name-error", markup=False)
        with Horizontal(id="rb-body"):
            rows = RowsScroll(id="rb-rows")
            rows.border_title = "Rules · all of"
            rows.border_subtitle = "ctrl+n condition · ctrl+g group · alt+←/→ level"
            yield rows
            with Vertical(id="rb-side"):
                json_view = TextArea("", id="rb-json", soft_wrap=True, tab_behavior="focus")
                json_view.border_title = "JSON"
                yield json_view
                yield Static("", id="rb-json-error", markup=False)
        yield Static("", id="rb-count", markup=False)
        yield Static("", id="rb-sample", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#rb-name", Input).cursor_blink = self.app.animation_level != "none"
        self.query_one("#rb-json", TextArea).cursor_blink = self.app.animation_level != "none"
        orbit = self.orbit
        try:
            self._tags = list(orbit.known_tags())
            self._stages = list(dict.fromkeys([*COMMON_STAGES, *orbit.known_stages()]))
        except Exception:  # noqa: BLE001 - suggestions are a nicety
            self._tags, self._stages = [], list(COMMON_STAGES)
        self._countries = _countries()
        if self._unreadable and self.segment is not None:
            json_view = self.query_one("#rb-json", TextArea)
            self._written_json = rules_json(self.segment.rules)
            json_view.load_text(self._written_json)
            self.json_invalid = True
            self._show_json_error(f"{self._unreadable} — fix it here before saving")
            json_view.focus()
            return
        self._rebuild(focus=None if self.segment is None else 0)
        if self.segment is None:
            self.query_one("#rb-name", Input).focus()

    # -- suggestions ------------------------------------------------------------------
    def suggestions(self, field: str, op: str) -> Sequence[str]:
        if op == "$exists":
            return ["true", "false"]
        try:
            kind = grammar.field_kind(field)
        except ValueError:
            return []
        if kind == "bool":
            return ["true", "false"]
        if kind == "tags":
            return self._tags
        if field == "lifecycle_stage":
            return self._stages
        if field == "country_code":
            return self._countries
        return []

    # -- rows ↔ widgets -------------------------------------------------------------------
    def _rebuild(self, *, focus: int | None = None) -> None:
        """Replace every row widget from ``self.rows``, then sync the JSON and counts."""
        container = self.query_one("#rb-rows", RowsScroll)
        widgets: list[Widget] = [
            RowWidget(i, row, self.suggestions) for i, row in enumerate(self.rows)
        ]
        if not widgets:
            widgets = [Static("No conditions: every contact matches. ctrl+n adds one.",
                              id="rb-empty")]

        async def swap() -> None:
            await container.remove_children()
            await container.mount_all(widgets)
            if focus is not None and self.rows:
                self._focus_row(min(focus, len(self.rows) - 1))
            self._rules_changed(from_json=False)

        self.call_after_refresh(swap)

    def _focus_row(self, index: int) -> None:
        widgets = list(self.query(RowWidget))
        if 0 <= index < len(widgets):
            widgets[index].focus_first()
            widgets[index].scroll_visible()
            self._mark_current(index)

    def _mark_current(self, index: int) -> None:
        self._current = index
        for widget in self.query(RowWidget):
            widget.set_class(widget.index == index, "current")

    def on_descendant_focus(self, event: Any) -> None:
        node = event.widget
        while node is not None and not isinstance(node, RowWidget):
            node = node.parent
        if isinstance(node, RowWidget):
            self._mark_current(node.index)

    def current_index(self) -> int | None:
        if not self.rows:
            return None
        return min(self._current, len(self.rows) - 1)

    @on(RowEdited)
    def _row_edited(self, event: RowEdited) -> None:
        event.stop()
        self._rules_changed(from_json=False)

    # -- structure keys -----------------------------------------------------------------
    def action_add_condition(self) -> None:
        at = self.current_index()
        index = insert_condition(self.rows, at)
        self._rebuild(focus=index)

    def action_add_group(self) -> None:
        at = self.current_index()
        index = insert_group(self.rows, at, "any")
        self._rebuild(focus=index)

    def action_remove_row(self) -> None:
        at = self.current_index()
        if at is None:
            return
        after = remove_row(self.rows, at)
        self._rebuild(focus=after)

    def action_indent(self) -> None:
        at = self.current_index()
        if at is not None and indent(self.rows, at):
            self._rebuild(focus=at)
        elif at is not None:
            self.notify("Nothing to move into: add a group above (ctrl+g)", markup=False)

    def action_outdent(self) -> None:
        at = self.current_index()
        if at is None or self.rows[at].depth == 0:
            return
        row = self.rows[at]
        outdent(self.rows, at)
        self._rebuild(focus=self.rows.index(row))

    # -- the rules, JSON, errors ------------------------------------------------------------
    def current_rules(self) -> dict[str, Any]:
        built = rows_to_rules(self.rows)
        self.paths = built.paths
        return built.rules

    def _rules_changed(self, *, from_json: bool) -> None:
        rules = self.current_rules()
        if not from_json:
            self._write_json(rules)
        errors = grammar.validate(rules)
        self._show_row_errors(errors)
        self._update_count(rules, errors)

    def _write_json(self, rules: dict[str, Any]) -> None:
        text = rules_json(rules)
        self._written_json = text
        self.json_invalid = False
        self._show_json_error(None)
        json_view = self.query_one("#rb-json", TextArea)
        if json_view.text != text:
            json_view.load_text(text)

    def _show_row_errors(self, errors: Sequence[grammar.RuleError]) -> None:
        by_row: dict[int, str] = {}
        stray: list[str] = []
        for error in errors:
            index = row_for_path(self.paths, error.path)
            if index is not None and not self.rows[index].is_group and not self.rows[index].field.strip():
                by_row.setdefault(index, "choose a field (→ takes the suggestion)")
                continue
            if index is None:
                stray.append(f"{error.path}: {error.message}")
            else:
                by_row.setdefault(index, error.message)
        for widget in self.query(RowWidget):
            widget.set_error(by_row.get(widget.index))
        if stray and not self.json_invalid:
            self._show_json_error(stray[0])

    def _show_json_error(self, message: str | None) -> None:
        widget = self.query_one("#rb-json-error", Static)
        widget.set_class(bool(message), "active")
        widget.update(Text("⚠ " + clean(message)) if message else "")

    @property
    def json_error_text(self) -> str:
        widget = self.query_one("#rb-json-error", Static)
        return str(widget.render()) if widget.has_class("active") else ""

    def row_errors(self) -> dict[int, str]:
        return {w.index: w.error_text for w in self.query(RowWidget) if w.error_text}

    @on(TextArea.Changed, "#rb-json")
    def _json_edited(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        # Our own writes arrive here too, possibly after a later write: only an edit
        # made in the editor (it has focus) goes back into the rows.
        if text == self._written_json or not event.text_area.has_focus:
            return
        errors = grammar.validate_json(text)
        if errors:
            self.json_invalid = True
            first = errors[0]
            where = "" if first.path == "rules" else f"{first.path}: "
            self._show_json_error(f"{where}{first.message} — not saved until fixed")
            self._set_count(Text("rule has errors: no count", style="dim"), "")
            return
        import json

        self.json_invalid = False
        self._show_json_error(None)
        self._written_json = text
        self.rows = rules_to_rows(json.loads(text))
        self._rebuild_keep_json()

    def _rebuild_keep_json(self) -> None:
        container = self.query_one("#rb-rows", RowsScroll)
        widgets: list[Widget] = [
            RowWidget(i, row, self.suggestions) for i, row in enumerate(self.rows)
        ] or [Static("No conditions: every contact matches.", id="rb-empty")]

        async def swap() -> None:
            await container.remove_children()
            await container.mount_all(widgets)
            self._rules_changed(from_json=True)

        self.call_after_refresh(swap)

    # -- counts -----------------------------------------------------------------------------
    def _set_count(self, count: Text, sample: str) -> None:
        self.query_one("#rb-count", Static).update(count)
        self.query_one("#rb-sample", Static).update(Text(sample))

    def _update_count(self, rules: dict[str, Any], errors: Sequence[Any]) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self.workers.cancel_group(self, "rules-preview")
        if errors:
            self.estimate_text = ""
            self.server_text = ""
            self._set_count(Text("rule has errors: no count", style="dim"), "")
            return
        if self._cached is None:
            try:
                self._cached = list(self.orbit.cached_contacts(ESTIMATE_LIMIT))
            except Exception:  # noqa: BLE001
                self._cached = []
        cached = self._cached
        if cached:
            match = grammar.matcher(rules)
            hits = sum(1 for c in cached if match(c))
            self.estimate_text = (
                f"≈ {format_count(hits)} of {format_count(len(cached))} cached contacts "
                "(estimate)"
            )
        else:
            self.estimate_text = "≈ no cached contacts to estimate from"
        self.server_text = ""
        self._set_count(Text(self.estimate_text + " · asking Orbit…", style="dim"), "")
        self._preview_timer = self.set_timer(PREVIEW_DEBOUNCE_S, lambda: self._preview(rules))

    @work(group="rules-preview", exclusive=True, exit_on_error=False)
    async def _preview(self, rules: dict[str, Any]) -> None:
        try:
            preview = await self.orbit.preview_segment(rules)
        except Exception as error:  # noqa: BLE001
            self.server_text = ""
            message = error.explain() if hasattr(error, "explain") else str(error)
            self._set_count(
                Text(f"{self.estimate_text} · Orbit could not count: {clean(message)[:120]}"),
                "",
            )
            return
        n = preview.contact_count
        self.server_text = f"{format_count(n)} contact{'s' if n != 1 else ''} match"
        names = [clean(c.display_name) or c.id for c in preview.sample[:SAMPLE_NAMES]]
        sample = ("e.g. " + ", ".join(names) + ("…" if n > len(names) else "")) if names else ""
        count = Text()
        count.append(self.server_text, style="bold")
        count.append(f"   {self.estimate_text}", style="dim")
        self._set_count(count, sample)

    # -- save / cancel ---------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        name = self.query_one("#rb-name", Input).value
        if self.segment is not None and name == self._shown_name:
            name = self.segment.name
        name = name.strip()
        name_error = self.query_one("#rb-name-error", Static)
        if self.json_invalid:
            self.notify("The JSON has an error (shown under it): fix it before saving",
                        severity="error", markup=False)
            return
        rules = self.current_rules()
        errors = grammar.validate(rules)
        self._show_row_errors(errors)
        if not name:
            name_error.update("A segment needs a name.")
            name_error.add_class("active")
            self.query_one("#rb-name", Input).focus()
            return
        name_error.remove_class("active")
        if errors:
            self.notify(f"{len(errors)} problem(s) in the rules, shown on their rows: not saved",
                        severity="error", markup=False)
            return
        self.saving = True
        self._save(name, rules)

    @work(group="rules-save", exclusive=True, exit_on_error=False)
    async def _save(self, name: str, rules: dict[str, Any]) -> None:
        try:
            if self.segment is None:
                saved = await orbit_app(self).gate.create_segment(name, rules)
            else:
                saved = await orbit_app(self).gate.update_segment(self.segment.id, name=name,
                                                                  rules=rules)
        except ValidationError as error:
            self.saving = False
            self._server_refused(error)
            return
        except Exception as error:  # noqa: BLE001
            self.saving = False
            notify_error(self, error, "Could not save the segment")
            return
        self.saving = False
        self.dismiss(saved)

    def _server_refused(self, error: ValidationError) -> None:
        field = error.field or ""
        message = clean(error.message or error.explain())
        if field.startswith("rules"):
            self.current_rules()
            index = row_for_path(self.paths, field)
            if index is not None:
                for widget in self.query(RowWidget):
                    if widget.index == index:
                        widget.set_error(f"Orbit: {message}")
                        widget.focus_first()
            else:
                self._show_json_error(f"Orbit refused {field}: {message}")
        elif field == "name":
            name_error = self.query_one("#rb-name-error", Static)
            name_error.update(Text(f"Orbit: {message}"))
            name_error.add_class("active")
        notify_error(self, error, "Orbit refused the segment")
