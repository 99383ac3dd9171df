"""Shared pytest fixtures. Fixtures owned by one area live in that area's test modules."""

from __future__ import annotations

import pytest

from engine.catalog import Catalog, default_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="session")
def parser(catalog: Catalog):
    """The offline drafter's parser on the date the development sets are written against (2026-11-01).
    Test modules that need another date or ``ask_unstated_scope=False`` define their own ``parser``."""
    import datetime as dt

    from rulegen.offline.parser import OfflineParser
    from tests.conftest_rulegen import TODAY_OF_THE_SETS

    return OfflineParser(catalog, today=lambda: dt.date(*TODAY_OF_THE_SETS))


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, once per test process (tests/ui and the /docs check share it)."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (apt-get install -y chromium fonts-noto-cjk)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
