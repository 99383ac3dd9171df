"""The legal-basis registry's records: what an entry and its history are (the data model).

The registry's rules (``privacy.registry``: propose, approve, reject, revoke, expire) and the use
policy (``privacy.policy``: may a run read these items today?) both read these records; neither
imports the other's module for them, so the two stay free of an import cycle
(``privacy.registry -> privacy.policy -> privacy.registry_model``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from engine.catalog.model import ORGAN_LABELS_JA, Organ
from engine.dates import to_date

Use = Literal["recurring", "one_off"]
Status = Literal["proposed", "approved", "rejected", "revoked", "expired"]

USE_LABELS_JA: dict[str, str] = {"recurring": "恒常的", "one_off": "臨時的"}
STATUS_LABELS_JA: dict[str, str] = {
    "proposed": "申請中",
    "approved": "承認済み",
    "rejected": "却下",
    "revoked": "取消し",
    "expired": "期限切れ",
}

class Basis(StrEnum):
    """Legal basis of a use under 個人情報保護法 (values are the registry codes)."""

    WITHIN_PURPOSE = "61-1"
    BY_LAW = "69-1"
    CONSENT = "69-2-1"
    INTERNAL = "69-2-2"
    OTHER_PUBLIC_BODY = "69-2-3"
    STATISTICS_SPECIAL = "69-2-4"

    @property
    def label_ja(self) -> str:
        return BASIS_LABELS_JA[self]

    @property
    def short_ja(self) -> str:
        return BASIS_SHORT_JA[self]

    @property
    def is_exception(self) -> bool:
        """True for the 69条2項 exceptions (one-off use or provision outside the purpose)."""
        return self.value.startswith("69-2")


BASIS_LABELS_JA: dict[Basis, str] = {
    Basis.WITHIN_PURPOSE: "個人情報保護法第61条第1項（利用目的内）",
    Basis.BY_LAW: "個人情報保護法第69条第1項（法令に基づく利用・提供）",
    Basis.CONSENT: "個人情報保護法第69条第2項第1号（本人の同意・本人への提供）",
    Basis.INTERNAL: "個人情報保護法第69条第2項第2号（内部での利用・相当の理由）",
    Basis.OTHER_PUBLIC_BODY: "個人情報保護法第69条第2項第3号（他の行政機関等への提供・相当の理由）",
    Basis.STATISTICS_SPECIAL: "個人情報保護法第69条第2項第4号（統計・学術研究・特別の理由）",
}
BASIS_SHORT_JA: dict[Basis, str] = {
    Basis.WITHIN_PURPOSE: "61条1項",
    Basis.BY_LAW: "69条1項",
    Basis.CONSENT: "69条2項1号",
    Basis.INTERNAL: "69条2項2号",
    Basis.OTHER_PUBLIC_BODY: "69条2項3号",
    Basis.STATISTICS_SPECIAL: "69条2項4号",
}


# --- dates: 西暦 and 和暦 (engine.dates reads them) ------------------------------

JaDate = Annotated[date | None, BeforeValidator(to_date)]


# --- models ---------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transition(_Model):
    """One step of an entry's history: who moved it from which status to which, when and why."""

    from_status: Status | None = Field(description="None for the proposal that created the entry")
    to_status: Status
    actor: str = Field(min_length=1)
    at: datetime
    reason: str | None = None

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("at needs a time zone")
        return v.astimezone(UTC)


class LegalBasisEntry(_Model):
    """The legal basis for one use of one catalog item."""

    id: str = Field(min_length=1, max_length=80)
    item_id: str
    item_name: str = Field(description="The catalog item's Japanese name, kept for reports")
    holding_organ: Organ
    holding_department: str = Field(min_length=1, description="保有課")
    receiving_organ: Organ
    receiving_department: str = Field(min_length=1, description="利用・提供を受ける課 (e.g. こども家庭センター)")
    file_name: str = Field(min_length=1, description="個人情報ファイルの名称")
    purpose: str = Field(min_length=1, description="利用目的")
    basis: Basis
    law_citation: str | None = Field(default=None, description="法令名と条項 (69-1 では必須)")
    justification: str | None = Field(default=None, description="相当の理由・判断の記録")
    use: Use
    one_off_id: str | None = Field(default=None, description="臨時的利用の対象 (実行IDや目的の名前)")
    sensitive: bool = Field(description="要配慮個人情報 (catalog item's flag)")
    collection_method: str | None = Field(default=None, description="収集方法 (個人情報ファイル簿用)")
    valid_from: JaDate = None
    valid_until: JaDate = Field(default=None, description="Last day the entry is in force (inclusive)")
    status: Status
    history: tuple[Transition, ...] = Field(min_length=1)

    @property
    def proposed_by(self) -> str:
        return self.history[0].actor

    @property
    def status_ja(self) -> str:
        return STATUS_LABELS_JA[self.status]

    @property
    def use_ja(self) -> str:
        return USE_LABELS_JA[self.use]

    @property
    def is_provision(self) -> bool:
        """True when the data crosses organs (教育委員会 -> 市長部局 or back): a 提供, not internal use."""
        return self.holding_organ != self.receiving_organ

    def in_force_on(self, on: date) -> bool:
        """Approved and within [valid_from, valid_until] on that day."""
        return self.status == "approved" and within_validity(self, on)

    def describe_ja(self) -> str:
        return (
            f"{self.item_name}（{self.item_id}）: {ORGAN_LABELS_JA[self.holding_organ]} {self.holding_department}"
            f" → {ORGAN_LABELS_JA[self.receiving_organ]} {self.receiving_department}、{self.basis.short_ja}、{self.use_ja}"
        )


def within_validity(entry: LegalBasisEntry, on: date) -> bool:
    if entry.valid_from is not None and on < entry.valid_from:
        return False
    if entry.valid_until is not None and on > entry.valid_until:
        return False
    return True
