"""The role table (``api/roles.yaml``): which roles may perform each action.

Routes (``api.deps``), web pages (``api.web.deps``) and the menu (``api/web/nav.yaml``) name an action
from this table; none of them lists roles. The table is loaded and checked at import: an unknown role, an
empty role list or a malformed entry raises :class:`RoleTableError`, and asking for an action that is not
in the table raises it too (at the import of the module that asks, i.e. at start-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from api.security import ROLE_LABELS_JA, ROLES
from engine.errors import Category, TsunaguError

ROLES_PATH = Path(__file__).with_name("roles.yaml")


class RoleTableError(TsunaguError):
    category = Category.INVALID


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    roles: frozenset[str]

    def roles_ja(self) -> str:
        """The allowed roles in Japanese, in the order of ``ROLES``."""
        return "、".join(ROLE_LABELS_JA[r] for r in ROLES if r in self.roles)


def parse_table(doc: Mapping[str, Any], source: str = "roles.yaml") -> dict[str, Action]:
    actions = doc.get("actions") if isinstance(doc, Mapping) else None
    if not isinstance(actions, Mapping) or not actions:
        raise RoleTableError(f"{source}: actions がありません")
    out: dict[str, Action] = {}
    for name, raw in actions.items():
        if not isinstance(name, str) or not name or name in ROLES:
            raise RoleTableError(f"{source}: 操作の名前 {name!r} が正しくありません（役割の名前と同じにはできません）")
        if not isinstance(raw, Mapping) or not isinstance(raw.get("label"), str) or not raw["label"].strip():
            raise RoleTableError(f"{source}: 操作 {name} に label がありません")
        roles = raw.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            raise RoleTableError(f"{source}: 操作 {name} の roles が空か正しくありません")
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise RoleTableError(f"{source}: 操作 {name} に知らない役割があります: {', '.join(unknown)}")
        out[name] = Action(name, raw["label"].strip(), frozenset(roles))
    return out


@lru_cache(maxsize=1)
def table(path: Path = ROLES_PATH) -> dict[str, Action]:
    return parse_table(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path.name)


def action(name: str) -> Action:
    """The entry of ``name``; an action missing from the table is an error (at start-up)."""
    try:
        return table()[name]
    except KeyError:
        raise RoleTableError(f"操作「{name}」は役割の表（api/roles.yaml）にありません") from None


def roles_for(name: str) -> frozenset[str]:
    return action(name).roles


def may(role: str, name: str) -> bool:
    return role in action(name).roles


table()  # checked at import: a broken table stops the service before it answers anything
