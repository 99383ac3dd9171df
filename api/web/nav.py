"""The navigation table (nav.yaml): which entries a role sees (by the action of api/roles.yaml each entry
names) and where it starts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from api.roles import roles_for
from api.security import ROLES

NAV_FILE = Path(__file__).with_name("nav.yaml")


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Nav:
    start: dict[str, str]
    entries: tuple[NavEntry, ...]

    def for_role(self, role: str) -> list[NavEntry]:
        return [e for e in self.entries if role in e.roles]

    def start_of(self, role: str) -> str:
        return self.start.get(role, "/ui/home")


@lru_cache(maxsize=1)
def load_nav(path: Path = NAV_FILE) -> Nav:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = []
    for i, raw in enumerate(doc.get("entries", [])):
        # an entry names an action of the role table (api/roles.yaml); a literal role list still works
        roles = roles_for(raw["action"]) if raw.get("action") else frozenset(raw.get("roles", []))
        unknown = roles - set(ROLES)
        if unknown or not raw.get("path") or not raw.get("label"):
            raise ValueError(f"{path.name}: entries[{i}] is malformed (path/label missing or unknown roles {sorted(unknown)})")
        entries.append(NavEntry(str(raw["path"]), str(raw["label"]), roles))
    start = {str(k): str(v) for k, v in (doc.get("start") or {}).items()}
    return Nav(start, tuple(entries))
