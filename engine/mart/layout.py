"""Where each catalog item lives in the DuckDB mart.

This module is the single contract between ingestion (which writes the mart)
and the rule compiler (which reads it). Nothing else should spell table or
column names.

Layout
------
- ``child``     one row per child: ``child_id`` (pseudonym), ``household_id``
  (pseudonym), ``birth_month`` (DATE, first day of the birth month; the day is
  never stored), then one column per child-level attribute item.
- ``household`` one row per household: ``household_id``, then one column per
  household-level attribute item.
- ``guardian``  one row per guardian: ``guardian_id`` (pseudonym),
  ``household_id``, then one column per guardian-level attribute item. A
  guardian-level condition holds for a child when it holds for ANY guardian of
  the child's household.
- ``ev_<item>`` one table per event item: ``<entity key>``, ``event_date``
  (DATE), ``value`` (typed as the item; TRUE for pure-occurrence events).
- ``_meta``     key/value text describing the load (catalog hash, key id,
  source file hashes, load time).

Derived items (``derivation`` in the catalog, e.g. ``resident.age``) have no
column: the compiler computes them from ``birth_month`` and the run's
reference date. Attribute values are NULL when the source system has no
record for that entity ("unknown"), which rules must handle explicitly.
"""

from __future__ import annotations

from engine.catalog.model import CatalogItem, EntityLevel, ValueType

CHILD_TABLE = "child"
HOUSEHOLD_TABLE = "household"
GUARDIAN_TABLE = "guardian"
META_TABLE = "_meta"

ENTITY_TABLE: dict[EntityLevel, str] = {
    "child": CHILD_TABLE,
    "household": HOUSEHOLD_TABLE,
    "guardian": GUARDIAN_TABLE,
}
ENTITY_KEY: dict[EntityLevel, str] = {
    "child": "child_id",
    "household": "household_id",
    "guardian": "guardian_id",
}
BIRTH_MONTH_COLUMN = "birth_month"
EVENT_DATE_COLUMN = "event_date"
EVENT_VALUE_COLUMN = "value"

DUCKDB_TYPE: dict[ValueType, str] = {
    "bool": "BOOLEAN",
    "integer": "INTEGER",
    "decimal": "DOUBLE",
    "category": "VARCHAR",
    "date": "DATE",
}


def attribute_column(item_id: str) -> str:
    """Column name of an attribute item in its entity table (``school.grade`` -> ``school__grade``)."""
    return item_id.replace(".", "__")


def event_table(item_id: str) -> str:
    """Table name of an event item (``school.absence_days`` -> ``ev_school__absence_days``)."""
    return "ev_" + item_id.replace(".", "__")


def item_location(item: CatalogItem) -> tuple[str, str | None]:
    """(table, column) of a stored item; the column is None for event tables (use EVENT_VALUE_COLUMN)."""
    if item.is_derived and item.derivation and item.derivation.method.value != "ingest":
        raise ValueError(f"{item.id} is derived at run time and has no stored location")
    if item.kind == "event":
        return event_table(item.id), None
    return ENTITY_TABLE[item.entity], attribute_column(item.id)


def is_stored(item: CatalogItem) -> bool:
    """True when ingestion writes the item to the mart (derived-at-run-time items are not stored)."""
    return not (item.is_derived and item.derivation and item.derivation.method.value != "ingest")
