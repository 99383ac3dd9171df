"""Load and validate catalog YAML files.

Every problem is reported with the file, the item and the field, in Japanese,
so that a city adding its own items (自治体独自項目) sees exactly what to fix.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from engine.catalog.model import Catalog, CatalogItem
from engine.errors import Category, TsunaguError

DEFAULT_ITEMS_DIR = Path(__file__).with_name("items")


@dataclass(frozen=True)
class CatalogProblem:
    file: str
    item: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.item:
            where += f" 項目 {self.item}"
        if self.field:
            where += f" フィールド {self.field}"
        return f"{where}: {self.message}"


class CatalogError(TsunaguError, ValueError):
    """Raised with every problem found, not only the first."""

    category = Category.UNAVAILABLE

    def __init__(self, problems: list[CatalogProblem]):
        self.problems = problems
        super().__init__("データ項目カタログに誤りがあります:\n" + "\n".join(f"- {p}" for p in problems))


@lru_cache(maxsize=1)
def catalog_file_schema() -> dict[str, Any]:
    text = resources.files("engine.catalog").joinpath("schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _item_label(doc: Any, path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
        try:
            item = doc["items"][path[1]]
        except (KeyError, IndexError, TypeError):
            return f"#{path[1] + 1}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return item["id"]
        return f"#{path[1] + 1}"
    return None


def _schema_message(err: jsonschema.ValidationError) -> str:
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"必須フィールド「{missing}」がありません"
    if v == "additionalProperties":
        return f"未知のフィールドがあります ({err.message})"
    if v == "enum":
        return f"値 {err.instance!r} は使えません。使える値: {', '.join(map(str, err.validator_value))}"
    if v == "pattern":
        return f"値 {err.instance!r} の形式が正しくありません (英小文字・数字・下線をドットで区切った形式、例: school.absence_days)"
    if v == "type":
        return f"値 {err.instance!r} の型が正しくありません (期待: {err.validator_value})"
    if v == "oneOf":
        return "source (元データの列) と derivation (導出方法) のどちらか一方だけを指定してください"
    if v == "not":
        return "この型では codes を指定できません (codes は category 型のみ)"
    if v == "minItems":
        return "少なくとも1つ指定してください"
    if v == "uniqueItems":
        return "値が重複しています"
    return err.message


def _schema_problems(doc: Any, file: str) -> list[CatalogProblem]:
    validator = jsonschema.Draft202012Validator(catalog_file_schema())
    problems = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(err.absolute_path)
        field_path = [str(p) for p in path[2:]] if len(path) >= 2 and path[0] == "items" else [str(p) for p in path]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            field_path = field_path + [missing] if missing else field_path
        problems.append(
            CatalogProblem(file=file, item=_item_label(doc, path), field=".".join(field_path), message=_schema_message(err))
        )
    return problems


def _semantic_problems(item: CatalogItem, file: str) -> list[CatalogProblem]:
    problems: list[CatalogProblem] = []
    if item.range is not None and item.type in ("integer", "decimal"):
        lo, hi = item.range.min, item.range.max
        for bound_name, bound in (("min", lo), ("max", hi)):
            if bound is not None and not isinstance(bound, (int, float)):
                problems.append(CatalogProblem(file, item.id, f"range.{bound_name}", "数値で指定してください"))
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
            problems.append(CatalogProblem(file, item.id, "range", f"min ({lo}) が max ({hi}) より大きくなっています"))
    if item.range is not None and item.type == "date":
        try:
            item.range.bounds_as("date")
        except ValueError:
            problems.append(CatalogProblem(file, item.id, "range", "日付は YYYY-MM-DD 形式で指定してください"))
    if item.range is not None and item.type in ("bool", "category"):
        problems.append(CatalogProblem(file, item.id, "range", f"{item.type} 型には range を指定できません"))
    if item.codes:
        seen: set[str] = set()
        for c in item.codes:
            if c.code in seen:
                problems.append(CatalogProblem(file, item.id, "codes", f"コード {c.code!r} が重複しています"))
            seen.add(c.code)
    if item.kind == "event" and item.derivation is not None:
        problems.append(CatalogProblem(file, item.id, "derivation", "event 項目は導出できません (source を指定してください)"))
    if item.kind == "event" and item.source is not None and item.source.date_column is None:
        problems.append(CatalogProblem(file, item.id, "source.date_column", "event 項目には日付の列 (date_column) が必要です"))
    if item.kind != "event" and item.default_scope is not None:
        problems.append(CatalogProblem(file, item.id, "default_scope", "default_scope は event 項目にだけ指定できます"))
    return problems


def parse_catalog_documents(documents: Iterable[tuple[str, str]]) -> Catalog:
    """Build a catalog from (file name, YAML text) pairs; raise CatalogError listing every problem."""
    problems: list[CatalogProblem] = []
    items: list[CatalogItem] = []
    where_defined: dict[str, str] = {}
    digest = hashlib.sha256()
    for file, text in sorted(documents):
        digest.update(file.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" {mark.line + 1}行目" if mark is not None else ""
            problems.append(CatalogProblem(file, None, "", f"YAML として読めません{line}: {getattr(exc, 'problem', exc)}"))
            continue
        file_problems = _schema_problems(doc, file)
        if file_problems:
            problems.extend(file_problems)
            continue
        for raw in doc["items"]:
            item = CatalogItem.model_validate(raw)
            problems.extend(_semantic_problems(item, file))
            if item.id in where_defined:
                problems.append(
                    CatalogProblem(file, item.id, "id", f"同じ id が {where_defined[item.id]} でも定義されています")
                )
                continue
            where_defined[item.id] = file
            items.append(item)
    if problems:
        raise CatalogError(problems)
    items.sort(key=lambda i: i.id)
    return Catalog(items=tuple(items), content_hash=digest.hexdigest())


def load_catalog(*dirs: Path | str) -> Catalog:
    """Load every *.yaml file of the given folders (default: the shipped catalog).

    A city adds its own items by passing an extra folder (or by adding a file to it).
    """
    folders = [Path(d) for d in dirs] or [DEFAULT_ITEMS_DIR]
    documents: list[tuple[str, str]] = []
    for folder in folders:
        if not folder.is_dir():
            raise CatalogError([CatalogProblem(str(folder), None, "", "カタログのフォルダが見つかりません")])
        for path in sorted(folder.glob("*.y*ml")):
            documents.append((path.name if folder == DEFAULT_ITEMS_DIR else str(path), path.read_text(encoding="utf-8")))
    return parse_catalog_documents(documents)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()
