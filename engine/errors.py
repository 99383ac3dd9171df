"""The one root of every domain error in Tsunagu.

Every exception the engine, privacy, rulegen and the service raise on purpose derives from
:class:`TsunaguError`: it carries a Japanese message for the city worker, the structured problems
behind it (each one a Japanese sentence naming what and where) and a :class:`Category` that the API
maps to an HTTP status in one place (``api.errors.STATUS``). Pydantic validation errors are turned
into Japanese sentences here, once (:func:`pydantic_problems`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What kind of failure this is; the API answers 400/403/404/409/422/503 accordingly."""

    INVALID = "invalid"  # the input cannot be read at all (400)
    FORBIDDEN = "forbidden"  # the caller may not do this (403)
    NOT_FOUND = "not_found"  # the thing asked for does not exist (404)
    CONFLICT = "conflict"  # the state does not allow it now (409)
    REFUSED = "refused"  # well-formed but refused by a rule of the domain (422)
    UNAVAILABLE = "unavailable"  # a file or service the answer needs is missing or broken (503)


class TsunaguError(Exception):
    """A domain error: Japanese ``message``, structured ``problems``, a ``category`` for the API."""

    category: Category = Category.INVALID  # each class sets its own; category=... overrides it for one error

    def __init__(self, message: str = "", problems: Sequence[object] = (), *, category: Category | None = None) -> None:
        super().__init__(message)
        self.message = message
        if problems or not hasattr(self, "problems"):
            self.problems: list[Any] = list(problems)
        if category is not None:
            self.category = category

    def problem_texts(self) -> list[str]:
        return [str(p) for p in self.problems]


# --- pydantic errors in Japanese (the one translator) -------------------------------------------------

def loc_ja(loc: Iterable[object], *, skip: Sequence[str] = ("body",)) -> str:
    """``("body", "rules", 0, "id")`` -> ``rules.0.id``; the whole body is 本文."""
    parts = [str(p) for p in loc if p not in skip]
    return ".".join(parts) if parts else "本文"


def pydantic_message(err: Mapping[str, Any], where: str | None = None) -> str:
    """One pydantic error (``ValidationError.errors()`` entry) as a Japanese sentence."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    where = where if where is not None else loc_ja(err.get("loc", ()))
    if kind == "json_invalid":
        loc = list(err.get("loc", ()))
        return f"JSON の形式が正しくありません（{ctx.get('error', '構文エラー')}、位置 {loc[-1] if loc else '?'}）"
    if kind == "missing":
        return f"{where}: 必須の項目がありません"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{where}: JSON のオブジェクト（{{...}}）を送ってください"
    if kind == "extra_forbidden":
        return f"{where}: 未知の項目です"
    if kind.startswith("string_too_long"):
        return f"{where}: 長すぎます（上限 {ctx.get('max_length')} 文字）"
    if kind.startswith("string_too_short"):
        return f"{where}: 空にできません"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{where}: 整数を指定してください"
    if kind == "greater_than_equal":
        return f"{where}: {ctx.get('ge')} 以上の値を指定してください"
    if kind == "greater_than":
        return f"{where}: {ctx.get('gt')} より大きい値を指定してください"
    if kind == "less_than_equal":
        return f"{where}: {ctx.get('le')} 以下の値を指定してください"
    if kind == "less_than":
        return f"{where}: {ctx.get('lt')} 未満の値を指定してください"
    if kind.startswith("date"):
        return f"{where}: 日付の形式が正しくありません（例: 2026-04-01）"
    if kind == "literal_error":
        return f"{where}: 使える値は {ctx.get('expected')} です"
    if kind == "value_error":
        return f"{where}: {str(err.get('msg', '')).removeprefix('Value error, ')}"
    return f"{where}: 値が正しくありません（{err.get('msg')}）"


def pydantic_problems(errors: Iterable[Mapping[str, Any]], *, limit: int | None = None) -> list[str]:
    """Every pydantic error as a Japanese sentence (at most ``limit``)."""
    out = [pydantic_message(e) for e in errors]
    return out if limit is None else out[:limit]
