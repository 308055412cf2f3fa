"""PageCache on its own: naming, freshness, eviction, recovery from damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orbit_tui.cache import PageCache, cache_file_name, cache_path, normalise_query

KEY = "dv_live_sk_cachetest_5f3a9c2e7b1d"


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def contact(i: int, **extra: object) -> dict[str, object]:
    return {"id": f"con_{i}", "email": f"c{i}@example.org", "tags": [], **extra}


def page(*items: dict[str, object], cursor: str | None = None) -> dict[str, object]:
    return {"items": list(items), "cursor": cursor, "has_more": cursor is not None, "total": len(items)}


def test_file_is_named_by_a_hash_never_the_key(tmp_path: Path) -> None:
    name = cache_file_name("https://orbit-api.devotel.io/api/v1", KEY)
    assert KEY not in name and "cachetest" not in name
    assert name != cache_file_name("https://api.orbit.devotel.io/api/v1", KEY)
    assert name != cache_file_name("https://orbit-api.devotel.io/api/v1", KEY + "x")
    assert name == cache_file_name("https://orbit-api.devotel.io/api/v1/", KEY)
    cache = PageCache(cache_path(tmp_path, "https://x.test/api/v1", KEY))
    assert cache.path is not None and cache.path.parent == tmp_path
    mode = sqlite3.connect(cache.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert cache.path.stat().st_mode & 0o077 == 0  # customer data: this user only


def test_query_normalisation_makes_equal_queries_share_a_page() -> None:
    a = normalise_query({"tags": ["vip", "b2b"], "search": " ada ", "country_code": None, "limit": 50})
    b = normalise_query({"limit": 50, "search": "ada", "tags": "b2b,vip", "has_phone": None})
    assert a == b == {"limit": 50, "search": "ada", "tags": ["b2b", "vip"]}


def test_pages_report_age_and_go_stale_after_the_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = PageCache(tmp_path / "c.sqlite3", ttl=300, clock=clock)
    cache.put_page("contacts", "", {"limit": 50}, None, page(contact(1)), "contact")
    clock.now += 120
    hit = cache.get_page("contacts", "", {"limit": 50}, None)
    assert hit is not None and hit.age_s == 120 and not hit.stale
    assert hit.value["items"][0]["id"] == "con_1"
    clock.now += 181
    hit = cache.get_page("contacts", "", {"limit": 50}, None)
    assert hit is not None and hit.stale
    assert cache.get_page("contacts", "", {"limit": 50}, "cur_2") is None
    assert cache.get_page("contacts", "", {"limit": 20}, None) is None
    # Survives a restart.
    cache.close()
    again = PageCache(tmp_path / "c.sqlite3", ttl=300, clock=clock)
    assert again.get_page("contacts", "", {"limit": 50}, None) is not None
    assert again.warnings == []


def test_a_stored_page_reads_back_whole_and_its_size_is_counted_right(tmp_path: Path) -> None:
    """Pages are stored with their items' JSON written once and their entities in one
    batch: what reads back is the page as given (every key, odd items too), and the
    running size equals the size measured afresh, however items are repeated."""
    cache = PageCache(tmp_path / "c.sqlite3")
    full = page(contact(1, name="Ann"), contact(2), cursor="cur_2")
    cache.put_page("contacts", "", {}, None, full, "contact")
    assert cache.get_page("contacts", "", {}, None).value == full  # type: ignore[union-attr]
    only_items = {"items": [contact(3)]}
    cache.put_page("contacts", "", {"search": "x"}, None, only_items, "contact")
    assert cache.get_page("contacts", "", {"search": "x"}, None).value == only_items  # type: ignore[union-attr]
    odd = {"items": [contact(4), "not a contact", {"no": "id"}], "total": 3}
    cache.put_page("contacts", "", {"search": "y"}, None, odd, "contact")
    assert cache.get_page("contacts", "", {"search": "y"}, None).value == odd  # type: ignore[union-attr]
    # The same contacts again, larger, and one twice in a page: its last copy is kept.
    cache.put_page(
        "contacts", "", {"search": "z"}, None,
        page(contact(1, name="A" * 500), contact(2, name="B"), contact(1, name="Ann again")),
        "contact",
    )
    entity = cache.get_entity("contact", "con_1")
    assert entity is not None and entity.value["name"] == "Ann again"
    assert cache.get_entity("contact", "con_4") is not None
    counted = cache.size_bytes
    cache.close()
    assert PageCache(tmp_path / "c.sqlite3").size_bytes == counted


def test_patch_reaches_every_page_holding_the_item(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "c.sqlite3")
    cache.put_page("contacts", "", {"limit": 2}, None, page(contact(1), contact(2)), "contact")
    cache.put_page("contacts", "", {"limit": 2, "search": "c"}, None, page(contact(2)), "contact")
    cache.put_page("list_members", "lst_1", {"limit": 2}, None, page(contact(2), contact(3)), "contact")
    touched = cache.patch_item("contact", "con_2", lambda old: {**old, "tags": ["vip"]},
                               invalidate=lambda endpoint, scope, query: "search" in query)
    assert touched == 3
    plain = cache.get_page("contacts", "", {"limit": 2}, None)
    searched = cache.get_page("contacts", "", {"limit": 2, "search": "c"}, None)
    assert plain and searched
    assert plain.value["items"][1]["tags"] == ["vip"] and not plain.stale
    assert searched.value["items"][0]["tags"] == ["vip"] and searched.stale
    entity = cache.get_entity("contact", "con_2")
    assert entity and entity.value["tags"] == ["vip"]
    cache.patch_item("contact", "con_2", lambda _: None)
    members = cache.get_page("list_members", "lst_1", {"limit": 2}, None)
    assert members and [c["id"] for c in members.value["items"]] == ["con_3"] and members.stale
    assert cache.get_entity("contact", "con_2") is None
    assert cache.known_tags() == []


def test_known_tags_and_stages_come_from_cached_contacts(tmp_path: Path) -> None:
    cache = PageCache(tmp_path / "c.sqlite3")
    cache.put_page("contacts", "", {}, None, page(
        contact(1, tags=["vip", "b2b"], lifecycle_stage="lead"),
        contact(2, tags=["vip"], lifecycle_stage="customer"),
        contact(3, tags=[], lifecycle_stage="lead"),
    ), "contact")
    assert cache.known_tags() == ["vip", "b2b"]
    assert cache.known_stages() == ["lead", "customer"]
    assert {c["id"] for c in cache.entities("contact", 2)} <= {"con_1", "con_2", "con_3"}


def test_size_is_bounded_and_least_recently_used_goes_first(tmp_path: Path) -> None:
    clock = Clock()
    cache = PageCache(tmp_path / "c.sqlite3", max_bytes=40_000, clock=clock)
    filler = "x" * 1_000
    for n in range(60):
        clock.now += 1
        cache.put_page("activity", f"con_{n}", {}, None,
                       {"items": [{"type": "agent.note", "summary": filler}]}, None)
        if n >= 1:
            clock.now += 1
            assert cache.get_page("activity", "con_0", {}, None) is not None  # kept warm
    assert cache.size_bytes <= 40_000
    assert cache.get_page("activity", "con_0", {}, None) is not None
    assert cache.get_page("activity", "con_1", {}, None) is None  # cold: evicted
    assert cache.get_page("activity", "con_59", {}, None) is not None
    reopened = PageCache(tmp_path / "c.sqlite3", max_bytes=40_000)
    assert reopened.size_bytes == cache.size_bytes


def test_a_damaged_file_is_moved_aside_and_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database at all " * 200)
    cache = PageCache(path)
    assert len(cache.warnings) == 1 and "moved aside" in cache.warnings[0]
    aside = list(tmp_path.glob("c.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    cache.put_page("contacts", "", {}, None, page(contact(1)), "contact")
    assert cache.get_page("contacts", "", {}, None) is not None


def test_a_foreign_database_is_kept_aside_untouched(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
    other.execute("INSERT INTO invoices VALUES (1, 9.5)")
    other.commit()
    other.close()
    cache = PageCache(path)
    assert cache.warnings and "not an orbit-tui cache" in cache.warnings[0]
    (aside,) = tmp_path.glob("c.sqlite3.corrupt-*")
    assert sqlite3.connect(aside).execute("SELECT amount FROM invoices").fetchone() == (9.5,)


def test_an_older_schema_of_ours_is_rebuilt_quietly(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = PageCache(path)
    cache.put_page("contacts", "", {}, None, page(contact(1)), "contact")
    cache.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    again = PageCache(path)
    assert again.warnings == [] and again.get_page("contacts", "", {}, None) is None
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_damage_while_open_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = PageCache(path)
    cache.put_page("contacts", "", {}, None, page(contact(1)), "contact")
    cache._conn.execute("DROP TABLE pages")  # as if the file lost a table under us
    assert cache.get_page("contacts", "", {}, None) is None
    assert cache.warnings and "moved aside" in cache.warnings[-1]
    cache.put_page("contacts", "", {}, None, page(contact(2)), "contact")
    hit = cache.get_page("contacts", "", {}, None)
    assert hit is not None and hit.value["items"][0]["id"] == "con_2"


def test_an_unwritable_location_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = PageCache(blocker / "sub" / "c.sqlite3")
    assert cache.path is None and cache.warnings
    cache.put_page("contacts", "", {}, None, page(contact(1)), "contact")
    assert cache.get_page("contacts", "", {}, None) is not None
