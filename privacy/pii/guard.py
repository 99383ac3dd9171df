"""Guard for every text bound for an LLM: find personal information, redact it, decide.

    result = guard_text("山田太郎くん(H27.4.3生)のように…")
    result.verdict      # "block"
    result.redacted     # "<氏名>(<生年月日等の日付>生)のように…"
    result.summary()    # {"verdict": "block", "counts": {"PERSON": 1, "DATE_OF_BIRTH": 1}, ...}
    result.message()    # 「個人情報と思われる語句が含まれているため送信しませんでした: 氏名 1件、…」

`summary()` carries kinds and counts only, never the values, so it can go to the audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from privacy.pii.analyzer import DEFAULT_THRESHOLD, Finding, analyze
from privacy.pii.entities import entity_labels, label_of
from privacy.pii.masking import mask_regions

Verdict = Literal["allow", "block"]

# Kinds that block the call whatever else the policy says (番号法 restricts any use of マイナンバー).
ALWAYS_BLOCK = frozenset({"MY_NUMBER"})


@dataclass(frozen=True)
class GuardResult:
    """Outcome of guarding one text."""

    text_length: int
    findings: tuple[Finding, ...]
    redacted: str
    verdict: Verdict

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"

    def counts(self) -> dict[str, int]:
        """Number of findings per entity id, in the display order of labels.yaml."""
        counter = Counter(f.type for f in self.findings)
        order = list(entity_labels())
        return {k: counter[k] for k in sorted(counter, key=lambda k: (order.index(k)
                                                                       if k in order else 99, k))}

    def kinds(self) -> list[str]:
        """Japanese labels of the kinds found (e.g. ["氏名", "電話番号"]), never the values."""
        return [label_of(k) for k in self.counts()]

    def summary(self) -> dict[str, object]:
        """Audit-safe summary: verdict, kinds and counts, never the detected values."""
        counts = self.counts()
        return {
            "verdict": self.verdict,
            "text_length": self.text_length,
            "total": sum(counts.values()),
            "counts": counts,
            "labels": {k: label_of(k) for k in counts},
        }

    def message(self) -> str:
        """What to tell the member of staff, in Japanese."""
        if self.verdict == "allow":
            return "個人情報と思われる語句は見つかりませんでした。"
        kinds = "、".join(f"{label_of(k)} {n}件" for k, n in self.counts().items())
        text = f"個人情報と思われる語句が含まれているため送信しませんでした: {kinds}"
        if "MY_NUMBER" in self.counts():
            text += "。マイナンバーは番号法により入力できません"
        return text + "。該当箇所を削除するか、「<氏名>」のような置き換えた文で送信してください。"


@lru_cache(maxsize=1)
def _anonymizer():
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def redact(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding with its Japanese placeholder, e.g. <氏名>, <電話番号>.

    A name is replaced together with the honorific right after it (「<氏名>と面談」).
    """
    if not findings:
        return text
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(f.type, f.start, f.end, f.score)
               for f in mask_regions(text, findings)]
    operators = {k: OperatorConfig("replace", {"new_value": f"<{label}>"})
                 for k, label in entity_labels().items()}
    operators["DEFAULT"] = OperatorConfig("replace", {"new_value": "<個人情報>"})
    return _anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text


def decide(findings: Sequence[Finding]) -> Verdict:
    """`block` when anything personal was found (マイナンバー always blocks), else `allow`."""
    if any(f.type in ALWAYS_BLOCK for f in findings):
        return "block"
    return "block" if findings else "allow"


def guard_text(text: str, threshold: float = DEFAULT_THRESHOLD) -> GuardResult:
    """Check a text before it is sent to an LLM."""
    findings = tuple(analyze(text, threshold=threshold))
    return GuardResult(text_length=len(text), findings=findings,
                       redacted=redact(text, findings), verdict=decide(findings))
