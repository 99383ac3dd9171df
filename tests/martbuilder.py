"""Build small DuckDB marts for tests, following ``engine.mart.layout``.

``build_mart(path, catalog, children=[...], households=[...], guardians=[...], events=[...])``

- children: dicts with ``child_id``, ``household_id``, ``birth_month`` (date) and any child-level
  attribute item ids (``"school.school_aid": True``);
- households: ``household_id`` plus household-level item ids;
- guardians: ``guardian_id``, ``household_id`` plus guardian-level item ids;
- events: ``(item_id, entity_key, event_date, value)`` tuples.

Every stored catalog item gets its table/column (NULL when not given), so any rule compiles.
``shuffle_seed`` inserts rows in a shuffled order (determinism tests).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from engine.catalog.model import Catalog
from engine.mart.layout import (
    BIRTH_MONTH_COLUMN,
    CHILD_TABLE,
    DUCKDB_TYPE,
    ENTITY_KEY,
    GUARDIAN_TABLE,
    HOUSEHOLD_TABLE,
    META_TABLE,
    attribute_column,
    event_table,
    is_stored,
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build_mart(
    path: Path | str,
    catalog: Catalog,
    *,
    children: Iterable[dict[str, Any]] = (),
    households: Iterable[dict[str, Any]] = (),
    guardians: Iterable[dict[str, Any]] = (),
    events: Iterable[tuple[str, str, dt.date, Any]] = (),
    shuffle_seed: int | None = None,
) -> Path:
    path = Path(path)
    attrs = {lvl: [i for i in catalog.by_entity(lvl) if i.kind == "attribute" and is_stored(i)] for lvl in ("child", "household", "guardian")}
    tables: dict[str, list[tuple[str, str]]] = {
        CHILD_TABLE: [("child_id", "VARCHAR"), ("household_id", "VARCHAR"), (BIRTH_MONTH_COLUMN, "DATE")]
        + [(attribute_column(i.id), DUCKDB_TYPE[i.type]) for i in attrs["child"]],
        HOUSEHOLD_TABLE: [("household_id", "VARCHAR")] + [(attribute_column(i.id), DUCKDB_TYPE[i.type]) for i in attrs["household"]],
        GUARDIAN_TABLE: [("guardian_id", "VARCHAR"), ("household_id", "VARCHAR")]
        + [(attribute_column(i.id), DUCKDB_TYPE[i.type]) for i in attrs["guardian"]],
    }
    ev_rows: dict[str, list[tuple]] = {}
    for item in catalog.items:
        if item.kind == "event":
            t = event_table(item.id)
            tables[t] = [(ENTITY_KEY[item.entity], "VARCHAR"), ("event_date", "DATE"), ("value", DUCKDB_TYPE[item.type])]
            ev_rows[t] = []
    for item_id, key, date, value in events:
        ev_rows[event_table(item_id)].append((key, date, value))

    rows: dict[str, list[tuple]] = {
        CHILD_TABLE: [
            tuple(c.get(k) for k in ("child_id", "household_id", BIRTH_MONTH_COLUMN)) + tuple(c.get(i.id) for i in attrs["child"])
            for c in children
        ],
        HOUSEHOLD_TABLE: [(h["household_id"],) + tuple(h.get(i.id) for i in attrs["household"]) for h in households],
        GUARDIAN_TABLE: [(g["guardian_id"], g["household_id"]) + tuple(g.get(i.id) for i in attrs["guardian"]) for g in guardians],
        **ev_rows,
    }
    rng = random.Random(shuffle_seed) if shuffle_seed is not None else None
    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN TRANSACTION")
        for t, cols in tables.items():
            con.execute(f"CREATE TABLE {_q(t)} ({', '.join(f'{_q(c)} {ty}' for c, ty in cols)})")
            data = list(rows.get(t, []))
            if rng is not None:
                rng.shuffle(data)
            if data:
                con.executemany(f"INSERT INTO {_q(t)} VALUES ({', '.join('?' for _ in cols)})", data)
        con.execute(f"CREATE TABLE {_q(META_TABLE)} (key VARCHAR, value VARCHAR)")
        con.execute(f"INSERT INTO {_q(META_TABLE)} VALUES ('catalog_hash', ?)", [catalog.content_hash])
        con.execute("COMMIT")
    finally:
        con.close()
    return path
