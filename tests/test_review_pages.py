"""The reviewer's pages (server-rendered, no JavaScript): list with filters, child page with points adding up,
outcome recording through a plain form (CSRF), re-identification shown once, funnel SVG, Excel export."""

from __future__ import annotations

import io
import re

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.test_outcomes import _run  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def test_reviewer_pages(sqlite_service):
    svc = sqlite_service
    run_id = _run(svc)["run"]["id"]
    c, csrf = svc.login("review1")
    r = c.get("/ui/review", follow_redirects=True)
    assert r.status_code == 200 and "確認候補一覧" in r.text
    assert "人が確認するための候補" in r.text and "判定するものではありません" in r.text
    pseudonyms = re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', r.text)
    assert pseudonyms
    assert "新規" in r.text  # first run: everybody is new
    assert "確率" not in r.text
    r = c.get(f"/ui/review/runs/{run_id}", params={"marker": "rose"})
    assert "条件に当てはまる候補はいません" in r.text  # no rise on a first run

    p = pseudonyms[0]
    page = c.get(f"/ui/review/runs/{run_id}/children/{p}")
    assert page.status_code == 200 and "点数の合計" in page.text
    assert "合計点と一致" in page.text or "上限を適用" in page.text

    url = f"/ui/review/runs/{run_id}/children/{p}/outcome"
    form = {"category": "connected", "outcome_date": "2026-10-05", "note": "こども家庭センターにつないだ"}
    assert c.post(url, data=form).status_code == 403  # no CSRF field
    r = c.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"])
    assert "保存しました" in page.text and "支援につないだ" in page.text
    other = next(q for q in pseudonyms if q != p)
    r = c.post(f"/ui/review/runs/{run_id}/children/{other}/outcome",
               data={**form, "note": "090-1234-5678 に電話", "csrf_token": csrf})
    assert r.status_code == 422
    alert = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', r.text, re.S).group(1)
    assert "電話" in alert and "090-1234-5678" not in alert  # the kind is named, the value is not echoed
    assert "090-1234-5678 に電話</textarea>" in r.text  # the reviewer's own text stays in the box to rephrase
    assert 'name="keep_note"' in r.text

    reid = f"/ui/review/runs/{run_id}/children/{p}/reidentify"
    r = c.post(reid, data={"reason": "ケース会議で家庭訪問の準備", "csrf_token": csrf})
    assert r.status_code == 200 and "宛名番号:" in r.text and r.headers["cache-control"] == "no-store"
    assert "宛名番号:" not in c.get(f"/ui/review/runs/{run_id}/children/{p}").text

    stats = c.get(f"/ui/review/runs/{run_id}/stats")
    assert stats.status_code == 200 and stats.text.count("<svg") == 2 and "支援につながった割合" in stats.text
    aud, _ = svc.login("audit1")
    s2 = aud.get(f"/ui/review/runs/{run_id}/stats")
    assert s2.status_code == 200 and "10未満" in s2.text
    assert aud.get(f"/ui/review/runs/{run_id}").status_code == 403

    from openpyxl import load_workbook

    x = c.get(f"/ui/review/runs/{run_id}/export", params={"reason": "ケース会議", "format": "xlsx"})
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content))
    assert wb["確認候補一覧"].max_row == len(set(pseudonyms)) + 1
    actions = [i["action"] for i in svc.as_role("auditor").get("/api/audit", params={"limit": 500}).json()["items"]]
    for a in ("results_viewed", "child_explanation_viewed", "outcome_recorded", "reidentified", "results_exported"):
        assert a in actions
