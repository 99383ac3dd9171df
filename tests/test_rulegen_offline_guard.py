"""The offline drafter refuses text with personal information when the service gives it the PII guard."""

from __future__ import annotations

import pytest

from api.commands.drafting import PiiTextGuard
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings


@pytest.fixture(scope="module")
def drafter(catalog):
    return make_drafter(DraftingSettings.from_env(provider="offline"), PiiTextGuard(), catalog=catalog)


def test_pasted_case_details_are_refused_and_not_kept(drafter):
    conv = Conversation(drafter)
    outcome = conv.send("山田太郎くん(H27.4.3生)のように欠席30日以上の小学生に10点")
    assert not outcome.ok and outcome.rule is None and outcome.blocked_by_guard
    assert outcome.guard_summary and all(isinstance(v, int) for v in outcome.guard_summary.values())
    assert "山田" not in str(conv.to_dict())
    assert outcome.problems[0]["code"] == "pii_blocked"


def test_plain_criteria_pass_the_guard(drafter):
    outcome = drafter.draft("年間欠席30日以上で生活保護世帯の児童は10点")
    assert outcome.ok and not outcome.blocked_by_guard
    assert {c["item"] for c in outcome.rule_json()["condition"]["all"]} == {"school.absence_days", "welfare.public_assistance"}
