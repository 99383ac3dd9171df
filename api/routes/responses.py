"""Response bodies of the API (``response_model=`` of every route), so that /openapi.json documents them.

Times are ISO 8601 strings as the service writes them (``datetime.isoformat()``); dates are ``YYYY-MM-DD``.
Documents that have their own schema (rules and rulesets: ``engine/rules/*.schema.json``, run manifests,
differences) are objects here. A field that only some answers carry is optional and left out when absent.
Error bodies: ``api.errors.ErrorBody``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from privacy.minimization import MinimizationReport
from privacy.registry import LegalBasisEntry

Cell = int | str
"""A count, or "<10" where small cells are suppressed."""


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OkOut(Out):
    ok: bool = Field(description="受け付けたら true")


# --- health, auth, users ---------------------------------------------------------------------------------


class HealthOut(Out):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    schema_revision: str | None = Field(description="データベースのスキーマの版（Alembic）")
    mart: bool = Field(description="データマートのファイルがあるか")


class MeOut(Out):
    username: str
    display_name: str
    role: str
    role_ja: str
    via: Literal["session", "token"]
    csrf_token: str | None = Field(default=None, description="Cookie でログインしたときだけ: 変更操作の X-CSRF-Token に付ける値")


class LoginOut(MeOut):
    expires_at: str = Field(description="セッションの有効期限")


class TokenCreatedOut(Out):
    id: int
    name: str
    token: str = Field(description="APIトークン（この応答で一度だけ表示されます）")
    expires_at: str | None


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    created_at: str
    expires_at: str | None
    revoked: bool


class UserOut(Out):
    username: str
    display_name: str
    role: str
    active: bool
    created_at: str


# --- drafts and rules --------------------------------------------------------------------------------------


class DraftVersionOut(Out):
    id: int
    version: int
    source_text: str
    rule: dict[str, Any] | None
    reading_ja: str
    questions: list[Any]
    problems: list[Any]
    drafter: str
    model: str | None
    prompt_version: str | None
    created_by: str
    created_at: str


class DraftOutcomeOut(Out):
    ok: bool
    reading_ja: str
    questions: list[Any]
    problems: list[Any]
    blocked_by_guard: bool
    guard_summary: dict[str, Any]
    drafter: str
    model: str | None


class DraftOut(Out):
    id: int
    title: str
    created_by: str
    created_at: str
    updated_at: str
    turns: list[dict[str, Any]]
    versions: list[DraftVersionOut]
    outcome: DraftOutcomeOut | None = Field(default=None, description="作成・追加の指示の直後だけ: この回の結果")


class DraftListItemOut(Out):
    id: int
    title: str
    created_by: str
    updated_at: str


class ShareOut(Out):
    draft_id: int
    shared_with: list[str]


class RuleOut(Out):
    id: int
    rule_id: str
    version: int
    document: dict[str, Any] = Field(description="ルールの JSON（engine/rules/rule.schema.json）")
    source_draft_version_id: int | None
    created_by: str
    created_at: str


class RuleProblemOut(Out):
    path: str
    code: str
    message: str
    hint: str
    severity: Literal["error", "warning"]


class ValidationOut(Out):
    ok: bool
    errors: list[RuleProblemOut]
    warnings: list[RuleProblemOut]


# --- preview, rulesets, runs ----------------------------------------------------------------------------------


class LabeledText(Out):
    label: str
    value: str


class LabeledCell(Out):
    label: str
    value: Cell


class PreviewOut(Out):
    reference_date: LabeledText
    ruleset_id: LabeledText
    age_bands: list[dict[str, str]]
    screened: LabeledCell
    excluded: LabeledCell
    scored: LabeledCell
    rules: list[dict[str, Any]] = Field(description="ルールごとの該当人数（年齢帯ごと、10未満は \"<10\"）")
    sides: list[dict[str, Any]]
    top_n_change: dict[str, Any] | None = Field(description="比較するルールセットを指定したときの上位の入れ替わり")
    notes: list[str]


class RulesetOut(Out):
    id: int
    ruleset_id: str
    version: int
    title: str
    published: bool
    published_by: str | None
    published_at: str | None
    created_by: str
    created_at: str
    drafters: list[str]
    document: dict[str, Any] | None = Field(default=None, description="ルールセットの JSON（1件の取得・作成のときだけ）")


class RunOut(Out):
    id: int
    ruleset_version_id: int
    ruleset_id: str
    trigger: str
    status: Literal["running", "succeeded", "failed"]
    reference_date: str
    started_by: str
    started_at: str
    finished_at: str | None
    error: str | None
    error_code: str | None
    children: int | None
    counts: dict[str, Any] | None
    current: bool = Field(description="この実行が同じルールセットの最新の成功した実行か")
    manifest: dict[str, Any] | None = Field(default=None, description="詳細のときだけ: データの版・件数")
    diff: dict[str, Any] | None = Field(default=None, description="詳細のときだけ: 前回との差分（仮名ID）")


class RunListOut(Out):
    total: int
    items: list[RunOut]


class FiredRuleOut(Out):
    rule_id: str
    points: int
    values: dict[str, Any]


class ChildOut(Out):
    pseudonym: str
    rank: int
    scores: dict[str, int]
    total: int
    alert_level: str | None
    extraction_reason: str
    fired: list[FiredRuleOut]
    newly_extracted: bool | None = Field(default=None, description="一覧のときだけ: 前回の実行になかったこどもか")
    explanation: str = Field(description="候補になった理由（日本語）")


class ResultsOut(Out):
    run_id: int
    total: int
    offset: int
    current: bool
    notice: str
    children: list[ChildOut]


class ReidentifyOut(Out):
    pseudonym: str
    atena_number: str
    id_type: Literal["宛名番号"]
    notice: str


# --- registry, schedules, audit -------------------------------------------------------------------------------


# An entry as stored (the fields of privacy.registry.LegalBasisEntry, one definition) plus its Japanese labels.
EntryOut = create_model(
    "EntryOut", __config__=ConfigDict(extra="forbid"),
    **{name: (f.annotation, f) for name, f in LegalBasisEntry.model_fields.items()},  # type: ignore[call-overload]
    status_ja=(str, ...), basis_ja=(str, ...), use_ja=(str, ...),
)


class TransitionOut(Out):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    step: int
    from_: str | None = Field(alias="from")
    to: str
    actor: str
    at: str
    reason: str | None


EntryDetailOut = create_model("EntryDetailOut", __base__=EntryOut, transitions=(list[TransitionOut], ...))


class MinimizationOut(Out):
    summary_ja: list[str]
    report: MinimizationReport


class ScheduleOut(Out):
    id: int
    ruleset_version_id: int
    cron: str
    reference_date_policy: str
    fixed_date: str | None
    enabled: bool
    created_by: str
    created_at: str
    next_run_at: str | None


class AuditEntryOut(Out):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    action_ja: str
    target_type: str
    target_id: str
    details: dict[str, Any] | None
    reason: str | None
    hash: str


class AuditPageOut(Out):
    total: int
    offset: int
    limit: int
    items: list[AuditEntryOut]


class AuditProblemOut(Out):
    seq: int | None
    kind: str
    message: str


class AuditVerifyOut(Out):
    ok: bool
    message: str
    problems: list[AuditProblemOut]


# --- outcomes ---------------------------------------------------------------------------------------------------


class _Figures(Out):
    """What the list led to (funnel, share supported, 新規, per rule, histogram), as both figure pages give it."""

    ruleset_id: str
    ruleset_version_id: int
    funnel: list[dict[str, Any]]
    supported_share: float | None
    supported_share_text: str
    newly_extracted: dict[str, Any]
    by_category: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    histogram: list[Any]
    suppressed: bool
    notice: str


class OutcomeStatsOut(_Figures):
    run_id: int
    reference_date: str


class VersionStatsOut(_Figures):
    """The figures of a ruleset version: its successful runs added up (延べ), one line per run, 実人数."""

    version: int
    runs_max: int
    runs: list[dict[str, Any]]
    distinct: dict[str, Any]


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a file download: the 200 answer's media types, each a binary string."""
    return {200: {"description": "ファイル（添付）", "content": {m: {"schema": {"type": "string", "format": "binary"}}
                                                          for m in media_types}}}
