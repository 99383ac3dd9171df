"""Out-of-range input never 500s (issue 11.6): ids and offsets >= 2^63 in paths and queries are a Japanese 422."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
pytest_plugins = ["tests.conftest_api"]

HUGE = str(2**63)


@pytest.mark.parametrize("method,url", [
    ("get", f"/api/runs/{HUGE}"), ("get", f"/api/runs/{HUGE}/results"), ("get", f"/api/drafts/{HUGE}"),
    ("get", f"/api/drafts/{'9' * 30}"), ("get", f"/api/runs?offset={HUGE}"), ("get", f"/api/rulesets/{HUGE}"),
    ("post", f"/api/schedules/{HUGE}/disable"), ("get", f"/api/rules/{HUGE}"),
])
def test_huge_ids_and_offsets_are_a_japanese_422(sqlite_service, method, url):
    r = getattr(sqlite_service.as_role("supervisor"), method)(url)
    assert r.status_code == 422, (url, r.status_code, r.text)
    assert "以下の値を指定してください" in r.json()["detail"]


def test_largest_row_id_is_a_plain_404(service):
    """Row ids are INTEGER columns: the largest is a 404 on both databases, one more a 422 (PostgreSQL: no 500)."""
    sup = service.as_role("supervisor")
    r = sup.get(f"/api/rulesets/{2**31 - 1}")
    assert r.status_code == 404 and "ありません" in r.json()["detail"]
    for url in (f"/api/rulesets/{2**31}", f"/api/auth/tokens/{2**63 - 2}"):
        r = sup.request("DELETE" if "tokens" in url else "GET", url)
        assert r.status_code == 422 and "以下の値を指定してください" in r.json()["detail"], (url, r.text)
