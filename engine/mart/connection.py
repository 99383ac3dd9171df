"""The part of a DuckDB connection that the mart readers use, as a type.

Both a ``duckdb.DuckDBPyConnection`` and the runner's ``MartConnection`` (a cursor on a shared read-only
instance, delegating to it) are one.
"""

from __future__ import annotations

from typing import Any, Protocol


class Connection(Protocol):
    def execute(self, query: str, parameters: object = ..., /) -> Any: ...

    def executemany(self, query: str, parameters: object = ..., /) -> Any: ...

    def cursor(self) -> Any: ...

    def close(self) -> None: ...
