"""The ingestion spec (engine/ingest/exports.yaml) as typed objects, checked against the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from engine.catalog.model import Catalog, CatalogItem
from engine.errors import TsunaguError

IdType = Literal["resident", "household", "student"]
ID_LABELS_JA = {"resident": "宛名番号", "household": "世帯番号", "student": "学籍番号"}


class SpecError(TsunaguError, ValueError):
    pass


@dataclass(frozen=True)
class KeySpec:
    column: str
    id_type: IdType


@dataclass(frozen=True)
class ItemRule:
    item: CatalogItem
    true: tuple[str, ...] = ()
    false: tuple[str, ...] = ()
    true_unless: tuple[str, ...] = ()
    threshold: tuple[str, float] | None = None
    keep: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    map: dict[str, str] = field(default_factory=dict)
    absent: Any = None
    population: Literal["residents", "students"] | None = None
    combine: Literal["any"] | None = None
    computed: str | None = None


@dataclass(frozen=True)
class ExportSpec:
    name: str
    key: KeySpec
    guardian_key: KeySpec | None
    rules: tuple[ItemRule, ...]
    raw: dict

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def value_columns(self) -> list[str]:
        cols: list[str] = []
        for r in self.rules:
            if r.computed or r.item.source is None:
                continue
            cols.append(r.item.source.column)
            if r.item.source.date_column:
                cols.append(r.item.source.date_column)
        return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class IngestSpec:
    registry: str
    student_map: str
    exports: dict[str, ExportSpec]


@lru_cache(maxsize=1)
def _spec_doc() -> dict:
    return yaml.safe_load(resources.files("engine.ingest").joinpath("exports.yaml").read_text(encoding="utf-8"))


def _key(d: dict) -> KeySpec:
    if d.get("id_type") not in ID_LABELS_JA:
        raise SpecError(f"unknown id_type {d.get('id_type')!r}")
    return KeySpec(column=d["column"], id_type=d["id_type"])


def build_spec(catalog: Catalog, doc: dict | None = None) -> IngestSpec:
    """Join the spec with the catalog: every sourced, stored catalog item gets exactly one rule."""
    doc = doc or _spec_doc()
    exports_doc: dict = doc["exports"]
    by_export: dict[str, list[CatalogItem]] = {}
    for item in catalog.items:
        if item.source is not None:
            by_export.setdefault(item.source.export, []).append(item)
    unknown = sorted(set(by_export) - set(exports_doc))
    if unknown:
        raise SpecError("取込仕様 (engine/ingest/exports.yaml) にないエクスポートを参照する項目があります: " + ", ".join(
            f"{e} ({', '.join(i.id for i in by_export[e])})" for e in unknown))
    exports: dict[str, ExportSpec] = {}
    for name, e in exports_doc.items():
        overrides: dict = e.get("items") or {}
        stray = sorted(set(overrides) - {i.id for i in by_export.get(name, [])})
        if stray:
            raise SpecError(f"取込仕様 {name}: カタログでこのエクスポートを元としない項目があります: {', '.join(stray)}")
        rules = []
        for item in by_export.get(name, []):
            o = overrides.get(item.id) or {}
            th = o.get("threshold")
            rule = ItemRule(
                item=item,
                # YAML reads a bare `true:` / `false:` key as a boolean
                true=tuple(map(str, o.get("true", o.get(True, ())))),
                false=tuple(map(str, o.get("false", o.get(False, ())))),
                true_unless=tuple(map(str, o.get("true_unless", ()))),
                threshold=(th["op"], float(th["value"])) if th else None,
                keep=tuple(map(str, o.get("keep", ()))),
                skip=tuple(map(str, o.get("skip", ()))),
                map={str(k): str(v) for k, v in (o.get("map") or {}).items()},
                absent=o.get("absent"),
                population=o.get("population"),
                combine=o.get("combine"),
                computed=o.get("computed"),
            )
            if item.type == "bool" and not (rule.true or rule.true_unless or rule.threshold or rule.keep or rule.computed):
                raise SpecError(f"取込仕様 {name}: bool 項目 {item.id} の値の読み方 (true/false, threshold, keep) がありません")
            if rule.absent is not None and rule.population not in ("residents", "students"):
                raise SpecError(f"取込仕様 {name}: {item.id} の absent には population (residents/students) が必要です")
            rules.append(rule)
        guardian_key = e.get("guardian_key")
        exports[name] = ExportSpec(name=name, key=_key(e["key"]), guardian_key=_key(guardian_key) if guardian_key is not None else None,
                                   rules=tuple(rules), raw=e)
    return IngestSpec(registry=doc["registry"], student_map=doc["student_map"], exports=exports)
