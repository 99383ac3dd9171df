"""Request bodies shared by the routers (responses are plain dicts documented per endpoint)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_ID = 2**63 - 1  # offsets are BIGINT (LIMIT/OFFSET): larger values are a 422, never an overflow
MAX_ROW_ID = 2**31 - 1  # row ids are INTEGER columns (PostgreSQL int4): a larger id is a 422, never a 500
DbId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A database row id in a path, a query or a body (1 .. 2^31-1, the INTEGER primary keys)."""
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]


def _ja_date(value: Any) -> Any:
    """西暦 (2026-10-01, 2026/10/1, 2026年10月1日) or 和暦 (令和8年10月1日, R8.10.1)."""
    if isinstance(value, str):
        from engine.dates import parse_date

        return parse_date(value)  # DateParseError is a ValueError: answered 422 with its Japanese message
    return value


JaDate = Annotated[date, BeforeValidator(_ja_date)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=80, description="利用者名")
    password: str = Field(min_length=1, max_length=400, description="パスワード")


class TokenBody(Body):
    name: str = Field(min_length=1, max_length=200, description="トークンの用途")
    days: int | None = Field(default=None, ge=1, le=3650, description="有効日数（省略時は無期限）")


class UserBody(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=400)
    role: Literal["staff", "privacy_officer", "supervisor", "reviewer", "auditor", "admin"]
    display_name: str | None = Field(default=None, max_length=200)


class RoleBody(Body):
    role: Literal["staff", "privacy_officer", "supervisor", "reviewer", "auditor", "admin"]
    reason: str = Field(min_length=1, max_length=2000, description="変更の理由（操作ログに記録されます）")


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=2000, description="理由（操作ログに記録されます）")


class ShareBody(Body):
    usernames: list[str] = Field(min_length=1, max_length=50, description="共有する利用者名の一覧")


class DraftBody(Body):
    text: str = Field(min_length=1, max_length=4000, description="条件を日本語で（例: 年間欠席30日以上で生活保護世帯の児童は10点）")
    title: str | None = Field(default=None, max_length=200)


class MessageBody(Body):
    text: str = Field(min_length=1, max_length=4000)


class RuleSaveBody(Body):
    draft_version_id: DbId | None = Field(default=None, description="保存するルール案の版（rule を省略するとき）")
    rule: dict[str, Any] | None = Field(default=None, description="ルールの JSON（直接保存するとき）")


class ValidateBody(Body):
    rule: dict[str, Any] | None = None
    ruleset: dict[str, Any] | None = None


class PreviewBody(Body):
    rule: dict[str, Any] | None = None
    ruleset: dict[str, Any] | None = None
    baseline_ruleset_version_id: DbId | None = None
    as_of: JaDate | None = Field(default=None, description="基準日（西暦又は和暦。省略時は今月1日）")
    top_n: int = Field(default=200, ge=1, le=5000)


class RulesetBody(Body):
    ruleset: dict[str, Any] | None = Field(default=None, description="ルールセットの JSON")
    rule_version_ids: list[DbId] | None = Field(default=None, max_length=200, description="保存済みルールからルールセットを組む場合")
    id: str | None = Field(default=None, description="rule_version_ids を使うときのルールセットID")
    title: str | None = Field(default=None, max_length=200)


class RunNowBody(Body):
    as_of: JaDate | None = Field(default=None, description="基準日（西暦又は和暦。省略時はルールセットの決め方に従う）")
    one_off_id: str | None = Field(
        default=None, min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="臨時的利用（69条2項）として承認された目的のID。指定すると、その目的に承認された項目だけで"
                    "1回限りの実行として照合します（省略時は定期実行と同じ照合）。",
    )


class ProposeBody(Body):
    item_id: str = Field(min_length=1, max_length=120)
    receiving_organ: Literal["mayor", "board_of_education"] = "mayor"
    receiving_department: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=2000)
    basis: str = Field(description="61-1, 69-1, 69-2-1 .. 69-2-4")
    use: Literal["recurring", "one_off"]
    law_citation: str | None = Field(default=None, max_length=400)
    justification: str | None = Field(default=None, max_length=4000)
    one_off_id: str | None = Field(default=None, max_length=80)
    valid_from: str | None = Field(default=None, description="開始日（西暦・和暦）")
    valid_until: str | None = Field(default=None, description="終了日（西暦・和暦）")
    file_name: str | None = Field(default=None, max_length=200)
    collection_method: str | None = Field(default=None, max_length=400)
    reason: str | None = Field(default=None, max_length=2000)


class ScheduleBody(Body):
    ruleset_version_id: DbId
    cron: str = Field(min_length=1, max_length=120, description="cron 式（例: 0 6 1 * * = 毎月1日6時、日本時間）")
    reference_date_policy: Literal["run_date", "month_start", "fixed"] = "month_start"
    fixed_date: JaDate | None = Field(default=None, description="固定の基準日（西暦又は和暦）")
