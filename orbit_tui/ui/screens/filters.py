"""The filter panel (``f``): stage, country, tags, has phone/email, created dates.

It returns a new ``ContactQuery`` (search text kept) or ``None`` when cancelled. Values
are checked before the panel closes: a bad date or an unknown country is shown under its
field and nothing is applied.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from orbit_tui.api.models import COMMON_STAGES
from orbit_tui.ui.query import ContactQuery, QueryError, parse_date, parse_tags

TRI_STATE: list[tuple[str, str]] = [("any", "any"), ("yes", "yes"), ("no", "no")]


def parse_country(text: str) -> str | None:
    """A country code or name → its ISO alpha-2 code; blank → ``None``."""
    text = text.strip()
    if not text:
        return None
    import pycountry  # only when a filter is applied: start-up need not load it

    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        raise QueryError(
            "country_code", f"{text!r} is not a country: use a 2-letter code like US or TR"
        ) from None


def _tri(value: bool | None) -> str:
    return "any" if value is None else ("yes" if value else "no")


def _untri(value: object) -> bool | None:
    return None if value == "any" or value is Select.NULL else value == "yes"


class FilterScreen(ModalScreen[ContactQuery | None]):
    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    #filter-box {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #filter-box Grid {
        grid-size: 2; grid-columns: 16 1fr; grid-rows: 1; grid-gutter: 1 0; height: auto;
        margin: 1 0;
    }
    #filter-box Input, #filter-box Select { width: 1fr; }
    #filter-box .error { color: $error; height: auto; }
    #filter-buttons { height: auto; align-horizontal: right; }
    #filter-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("ctrl+r", "clear_all", "Clear all", id="filters.clear"),
    ]

    def __init__(self, query: ContactQuery) -> None:
        super().__init__()
        self._query = query

    def compose(self) -> ComposeResult:
        q = self._query
        with Vertical(id="filter-box") as box:
            box.border_title = "Filters"
            box.border_subtitle = "enter/ctrl+s apply · ctrl+r clear · esc cancel"
            with Grid():
                yield Label("Stage")
                yield Input(
                    q.lifecycle_stage or "",
                    placeholder="subscriber, lead, customer, churned…",
                    suggester=SuggestFromList(COMMON_STAGES, case_sensitive=False),
                    id="f-stage",
                    compact=True,
                )
                yield Label("Country")
                yield Input(q.country_code or "", placeholder="US, TR, Germany…", id="f-country", compact=True)
                yield Label("Tags (all)")
                yield Input(", ".join(q.tags), placeholder="vip, trial", id="f-tags", compact=True)
                yield Label("Has phone")
                yield Select(TRI_STATE, value=_tri(q.has_phone), allow_blank=False, id="f-phone",
                             compact=True)
                yield Label("Has email")
                yield Select(TRI_STATE, value=_tri(q.has_email), allow_blank=False, id="f-email",
                             compact=True)
                yield Label("Created after")
                yield Input(
                    q.created_after.isoformat() if q.created_after else "",
                    placeholder="YYYY-MM-DD",
                    id="f-after",
                    compact=True,
                )
                yield Label("Created before")
                yield Input(
                    q.created_before.isoformat() if q.created_before else "",
                    placeholder="YYYY-MM-DD (inclusive)",
                    id="f-before",
                    compact=True,
                )
            yield Static("", id="filter-error", classes="error", markup=False)
            with Horizontal(id="filter-buttons"):
                yield Button("Clear all", id="filter-clear", compact=True)
                yield Button("Cancel", id="filter-cancel", compact=True)
                yield Button("Apply", variant="primary", id="filter-apply", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-stage", Input).focus()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def build_query(self) -> ContactQuery:
        """The query the panel's fields describe; ``QueryError`` names a bad field."""
        stage = self._value("#f-stage").strip() or None
        return ContactQuery(
            search=self._query.search,
            lifecycle_stage=stage,
            country_code=parse_country(self._value("#f-country")),
            tags=parse_tags(self._value("#f-tags")),
            has_phone=_untri(self.query_one("#f-phone", Select).value),
            has_email=_untri(self.query_one("#f-email", Select).value),
            created_after=parse_date(self._value("#f-after"), "created_after"),
            created_before=parse_date(self._value("#f-before"), "created_before"),
        )

    def action_apply(self) -> None:
        try:
            query = self.build_query()
        except QueryError as error:
            self.query_one("#filter-error", Static).update(f"✖ {error.message}")
            field_ids = {
                "country_code": "#f-country",
                "created_after": "#f-after",
                "created_before": "#f-before",
            }
            if error.field in field_ids:
                self.query_one(field_ids[error.field], Input).focus()
            return
        self.dismiss(query)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_clear_all(self) -> None:
        self.dismiss(self._query.without_filters())

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#filter-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#filter-clear")
    def _clear_pressed(self) -> None:
        self.action_clear_all()
