"""The tag editor (``t``): the tags of the current contact or of the marked ones.

It shows the tags carried (for several contacts, how many carry each — counted from the
contacts at hand; the missing ones are fetched in a worker, up to ``FETCH_LIMIT``), and
an input where ``+tag`` adds, ``-tag`` removes and a bare ``tag`` adds, several at once
(``+vip -trial +q4``). Known tags are offered as you type, fuzzily (rapidfuzz): the
input completes the best one inline, ``tab`` takes it, the others are listed below.
``enter`` returns the :class:`~orbit_tui.bulk.Operation`; ``escape`` cancels.

``edit_tags``/``apply_tag_edit`` hold the flow: one contact is changed at once through
``CachedOrbit`` (written through to the cache); several become a bulk job (preview,
confirmation, progress).
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from orbit_tui.api.models import Contact
from orbit_tui.bulk import BulkError, Operation, tag_counts
from orbit_tui.ui.context import orbit_app
from orbit_tui.ui.errors import describe_error
from orbit_tui.ui.safe import clean

if TYPE_CHECKING:
    from orbit_tui.ui.app import OrbitApp

FETCH_LIMIT = 500
"""At most this many unknown marked contacts are fetched to count their tags."""
SHOWN_TAGS = 12


def last_token(value: str) -> tuple[str, str, str]:
    """``"+vip -tri"`` → (``"+vip "``, ``"-"``, ``"tri"``): head, sign, partial tag."""
    cut = max(value.rfind(" "), value.rfind(","))
    head, token = value[: cut + 1], value[cut + 1 :]
    sign = token[:1] if token[:1] in "+-" else ""
    return head, sign, token[len(sign) :]


def fuzzy_tags(partial: str, tags: Iterable[str], limit: int = 5) -> list[str]:
    """Known tags matching ``partial``: prefix matches first, then fuzzy ones."""
    pool = list(dict.fromkeys(tags))
    if not partial:
        return pool[:limit]
    low = partial.casefold()
    prefix = [t for t in pool if t.casefold().startswith(low)]
    prefix.sort(key=lambda t: (len(t), t))
    found = prefix[:limit]
    if len(found) < limit:
        scored = process.extract(partial, pool, scorer=fuzz.WRatio, limit=limit * 2,
                                 processor=str.casefold, score_cutoff=60)
        for tag, _score, _i in scored:
            if tag not in found:
                found.append(tag)
            if len(found) >= limit:
                break
    return found


def quoted(tag: str) -> str:
    return shlex.quote(tag) if any(c in tag for c in " ,'\"") else tag


class FuzzyTagSuggester(Suggester):
    """Inline completion of the last token with the best prefix match among known tags."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        head, sign, partial = last_token(value)
        if not partial:
            return None
        low = partial.casefold()
        for tag in sorted((t for t in self.tags if t.casefold().startswith(low)), key=len):
            if tag.startswith(partial) and tag != partial:
                return head + sign + quoted(tag)
        return None


def counts_text(ids: list[str], known: dict[str, Contact], fetching: bool) -> Text:
    """The tags carried: "vip 12/30 · trial 3/30 …" (or one contact's tags)."""
    contacts = [known[i] for i in ids if i in known]
    text = Text(no_wrap=False, end="")
    if len(ids) == 1:
        tags = contacts[0].tags if contacts else []
        if not contacts:
            text.append("Tags not known yet…", style="italic")
        elif not tags:
            text.append("No tags yet.", style="italic")
        for n, tag in enumerate(tags):
            if n:
                text.append("  ")
            text.append(f" {clean(tag)} ", style="reverse")
        return text
    counts = tag_counts(c.tags for c in contacts)
    if not counts and contacts:
        text.append("None of them carries a tag.", style="italic")
    for n, (tag, count) in enumerate(counts[:SHOWN_TAGS]):
        if n:
            text.append(" · ")
        text.append(clean(tag), style="bold")
        text.append(f" {count}/{len(contacts)}")
    if len(counts) > SHOWN_TAGS:
        text.append(f" · +{len(counts) - SHOWN_TAGS} more tags")
    if len(contacts) < len(ids):
        note = f"\ncounted on {len(contacts):,} of {len(ids):,} contacts"
        text.append(note + (" — fetching the others…" if fetching else ""), style="italic")
    return text


class TagEditorScreen(ModalScreen["Operation | None"]):
    DEFAULT_CSS = """
    TagEditorScreen { align: center middle; }
    #tag-box { width: 76; max-width: 100%; height: auto; max-height: 100%;
               border: round $accent; background: $surface; padding: 0 1; }
    #tag-counts { height: auto; max-height: 8; margin-bottom: 1; }
    #tag-input { margin: 0; background: $boost; }
    #tag-matches { height: 1; color: $text-muted; }
    #tag-error { height: auto; color: $error; }
    #tag-hint { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
        Binding("tab", "complete", "Complete", priority=True, id="tags.complete"),
    ]

    def __init__(self, ids: list[str], known: dict[str, Contact], known_tags: list[str],
                 *, title: str, initial: str = "") -> None:
        super().__init__()
        self.ids = ids
        self.known = known
        self.title_text = title
        self.initial = initial
        pool = list(dict.fromkeys([*known_tags, *(t for c in known.values() for t in c.tags)]))
        self.tag_pool = pool
        self.fetching = False
        self.matches: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-box") as box:
            box.border_title = self.title_text
            yield Static(counts_text(self.ids, self.known, False), id="tag-counts")
            yield Input(self.initial, placeholder="+vip -trial  (a bare tag adds)",
                        id="tag-input", suggester=FuzzyTagSuggester(self.tag_pool),
                        compact=True)
            yield Static("", id="tag-matches", markup=False)
            yield Static("", id="tag-error", markup=False)
            yield Static("enter apply · tab complete · esc cancel", id="tag-hint", markup=False)

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.cursor_blink = self.app.animation_level != "none"
        box.focus()
        self._show_matches(box.value)
        missing = [i for i in self.ids if i not in self.known]
        if missing:
            self.fetching = True
            self._paint_counts()
            self.fetch_missing(missing[:FETCH_LIMIT])

    def _paint_counts(self) -> None:
        self.query_one("#tag-counts", Static).update(counts_text(self.ids, self.known, self.fetching))

    @work(exclusive=True, group="tag-fetch", exit_on_error=False)
    async def fetch_missing(self, ids: list[str]) -> None:
        orbit = orbit_app(self).orbit
        try:
            limit = asyncio.Semaphore(8)

            async def one(cid: str) -> None:
                async with limit:
                    try:
                        result = await orbit.contact(cid)
                    except Exception:  # noqa: BLE001 - a contact we cannot read is not counted
                        return
                    self.known[cid] = result.value
                    for tag in result.value.tags:
                        if tag not in self.tag_pool:
                            self.tag_pool.append(tag)

            tasks = [one(cid) for cid in ids]
            for start in range(0, len(tasks), 50):
                await asyncio.gather(*tasks[start : start + 50])
                self._paint_counts()
        finally:
            self.fetching = False
            if self.is_mounted:
                self._paint_counts()

    @on(Input.Changed, "#tag-input")
    def _changed(self, event: Input.Changed) -> None:
        self._show_matches(event.value)
        self.query_one("#tag-error", Static).update("")

    def _show_matches(self, value: str) -> None:
        _head, _sign, partial = last_token(value)
        self.matches = fuzzy_tags(partial, self.tag_pool) if partial else []
        line = "  ".join(clean(t) for t in self.matches)
        self.query_one("#tag-matches", Static).update(f"known: {line}" if line else "")

    def action_complete(self) -> None:
        box = self.query_one(Input)
        head, sign, partial = last_token(box.value)
        if partial and self.matches:
            box.value = head + (sign or "+") + quoted(self.matches[0]) + " "
            box.cursor_position = len(box.value)

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#tag-error", Static).update(
                "Type the tags to add (+vip) and to remove (-trial), or esc to leave.")
            return
        try:
            op = Operation.parse_tag_edit(event.value)
        except BulkError as exc:
            self.query_one("#tag-error", Static).update(clean(str(exc)))
            return
        self.dismiss(op)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the flow -------------------------------------------------------------------------------
def _known_contacts(app: OrbitApp, ids: list[str], at_hand: Iterable[Contact]) -> dict[str, Contact]:
    known: dict[str, Contact] = {c.id: c for c in at_hand if c.id in set(ids)}
    for cid in ids:
        if cid not in known:
            hit = app.orbit.peek_contact(cid)
            if hit is not None:
                known[cid] = hit.value
    return known


def targets(app: OrbitApp, current: Contact | None) -> list[str]:
    """The marked contacts, or else the current one."""
    marked = app.marks.ids()
    if marked:
        return list(marked)
    return [current.id] if current is not None else []


def may_tag(app: OrbitApp, ids: list[str]) -> bool:
    """Whether tagging ``ids`` can start; if not, say why (read-only profile, no contact)."""
    if app.refused():
        return False
    if not ids:
        app.notify("No contact to tag: move to a row or mark some with space.", markup=False)
        return False
    return True


def edit_tags(app: OrbitApp, ids: list[str], at_hand: Iterable[Contact] = (), *,
              initial: str = "") -> None:
    """``t``: open the tag editor for ``ids``; apply what the agent types."""
    if not may_tag(app, ids):
        return
    known = _known_contacts(app, ids, at_hand)
    if len(ids) == 1:
        contact = known.get(ids[0])
        name = contact_name(contact) if contact else ids[0]
        title = f"Tags of {name}"
    else:
        title = f"Tags of {len(ids):,} marked contacts"
    known_tags = list(app.orbit.known_tags())

    def chosen(op: Operation | None) -> None:
        if op is not None:
            apply_tag_edit(app, ids, op, known)

    app.push_screen(TagEditorScreen(ids, known, known_tags, title=clean(title)), chosen)


def contact_name(contact: Contact) -> str:
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return clean(name or contact.email or contact.phone or contact.id)


def apply_tag_edit(app: OrbitApp, ids: list[str], op: Operation, known: dict[str, Contact]) -> None:
    """One contact: at once; several: preview, confirmation, then a bulk job."""
    if app.refused():
        return
    if len(ids) == 1:
        app.run_worker(_tag_one(app, ids[0], op), group="tag-one", exit_on_error=False)
        return
    from orbit_tui.bulk import Target
    from orbit_tui.ui.screens.bulk_preview import preview_and_run

    preview_and_run(app, Target.explicit(ids, label=f"{len(ids):,} marked contacts"), op, known)


async def _tag_one(app: OrbitApp, contact_id: str, op: Operation) -> None:
    gate = app.gate
    known = app.orbit.peek_contact(contact_id)
    before = list(known.value.tags) if known is not None else None
    tags: list[str] | None = None
    try:
        if op.add_tags:
            tags = list((await gate.add_tags(contact_id, list(op.add_tags))).tags)
        for tag in op.remove_tags:
            answer = await gate.remove_tag(contact_id, tag)
            if answer is not None:
                tags = list(answer.tags)
            elif tags is not None:
                tags = [t for t in tags if t != tag]
    except Exception as exc:  # noqa: BLE001 - tell the agent, keep the app
        app.report_error(exc)
        app.notify(describe_error(exc), title="Tags not changed", severity="error",
                   timeout=10, markup=False)
        return
    hit = app.orbit.peek_contact(contact_id)
    contact: Contact | None = hit.value if hit is not None else None
    if contact is not None and tags is not None:
        contact = contact.model_copy(update={"tags": tags})
    if contact is not None:
        app.contact_saved(contact)
        from orbit_tui.ui.screens.detail import ContactDetailScreen

        screen = app.screen  # the contact's detail screen follows (show_contact)
        if isinstance(screen, ContactDetailScreen) and screen.contact.id == contact.id:
            screen.show_contact(contact)
    edit = op.describe().removeprefix("tags ")
    if before is not None and tags is not None and set(before) == set(tags):
        app.notify(f"Nothing to change: the contact already matches {edit}", markup=False)
    else:
        app.notify(f"Tags changed: {edit}", markup=False)
