"""Shared pytest fixtures. Fixtures owned by one area live in that area's test modules."""

from __future__ import annotations

import pytest

from engine.catalog import Catalog, default_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()
