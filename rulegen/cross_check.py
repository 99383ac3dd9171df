"""Two readings when an LLM is configured (issue 14, item 5).

The LLM's draft and the offline drafter's parse of the same words are compared on what changes which
children a rule selects and how much they weigh: the comparisons (item, comparison, value, window),
how they are combined, the population, the points and what a missing record means. Where they agree,
the LLM draft is returned with a note saying so. Where they disagree, no draft is made silently: the
outcome shows both readings in Japanese with their differences and offers each as a clickable choice
(``DraftOutcome.alternatives``); the conversation turns the chosen one into the next version without
asking either drafter again (``rulegen.conversation``).

Where only one drafter has a reading (the offline parser asked a question, or the LLM failed), the
outcome says so; the offline reading is offered as a choice when the LLM could not draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.catalog import Catalog
from engine.rules.model import Rule
from engine.rules.walk import leaves
from rulegen.drafting import ReadingDrafter
from rulegen.missing_under_not import state_missing_under_not
from rulegen.outcome import DraftOutcome
from rulegen.reading import comparison_ja, condition_ja, population_ja

LABEL_LLM = "読み方A（AI）"
LABEL_OFFLINE = "読み方B（組み込みの読み取り）"


@dataclass(frozen=True)
class Difference:
    facet: str  # Japanese name of what differs: 条件, 条件の組み合わせ, 対象, 点数, 記録がない場合
    llm: str
    offline: str

    def line(self) -> str:
        return f"・{self.facet}: {LABEL_LLM}は「{self.llm}」、{LABEL_OFFLINE}は「{self.offline}」"


def _missing_ja(rule: Rule) -> str:
    return "該当するとみなす" if rule.when_missing == "met" else "該当しないとみなす"


def differences(llm: Rule, offline: Rule, catalog: Catalog) -> list[Difference]:
    """What the two readings disagree on, in Japanese (empty when they select and weigh alike)."""
    out: list[Difference] = []
    a_leaves = [comparison_ja(c, catalog) for c in leaves(llm.condition)]
    b_leaves = [comparison_ja(c, catalog) for c in leaves(offline.condition)]
    only_a = [x for x in a_leaves if x not in b_leaves]
    only_b = [x for x in b_leaves if x not in a_leaves]
    if only_a or only_b:
        out.append(Difference("条件", "、".join(only_a) or "（なし）", "、".join(only_b) or "（なし）"))
    else:
        a_whole, b_whole = condition_ja(llm.condition, catalog), condition_ja(offline.condition, catalog)
        if a_whole != b_whole:
            out.append(Difference("条件の組み合わせ", a_whole, b_whole))
    a_pop, b_pop = population_ja(llm.population), population_ja(offline.population)
    if a_pop != b_pop:
        out.append(Difference("対象", a_pop.removeprefix("対象: "), b_pop.removeprefix("対象: ")))
    if llm.points != offline.points:
        out.append(Difference("点数", f"{llm.points}点", f"{offline.points}点"))
    if llm.when_missing != offline.when_missing:
        out.append(Difference("記録がない場合", _missing_ja(llm), _missing_ja(offline)))
    return out


def _alternative(outcome: DraftOutcome, label: str) -> dict[str, Any]:
    return {"label": label, "rule": outcome.rule_json(), "reading_ja": outcome.reading_ja,
            "drafter": outcome.drafter, "model": outcome.model, "prompt_version": outcome.prompt_version}


def choice_reply(label: str) -> str:
    """The message a click on an alternative sends (read by the conversation, never by a drafter)."""
    return f"{label}にする"


def combine(llm: DraftOutcome, offline: DraftOutcome, catalog: Catalog) -> DraftOutcome:
    """One outcome from the two drafters' outcomes for the same words, both as their ``read`` gives them:
    what every outcome states (missing records under a negation, rulegen/missing_under_not.py) is stated
    here, once, on the reading the staff get; two disagreeing readings are each read as they are (each
    says in its own reading that a negation includes children with no record)."""
    if llm.blocked_by_guard or offline.blocked_by_guard:
        return llm if llm.blocked_by_guard else offline
    if llm.ok and llm.rule is not None and offline.ok and offline.rule is not None:
        found = differences(llm.rule, offline.rule, catalog)
        if not found:
            llm.reading_ja += "\n※ 組み込みの読み取りとも一致しました。"
            return state_missing_under_not(llm, catalog)
        return _disagreement(llm, offline, found)
    if llm.ok and llm.rule is not None:
        asked = "、".join(offline.questions) if offline.questions else ""
        llm.reading_ja += "\n※ 組み込みの読み取りでは確認できなかったため、AIの読み方だけを示しています。" + (
            f"組み込みの読み取りが尋ねたこと: {asked}" if asked else "")
        return state_missing_under_not(llm, catalog)
    if offline.ok and offline.rule is not None:
        # The LLM could not draft (an error or invalid answers): its problems stay, the offline reading is
        # offered, with what the offline reading states and the alternative it offers (indices shifted by one).
        offered = _alternative(offline, LABEL_OFFLINE)
        offline = state_missing_under_not(offline, catalog)
        llm.reading_ja = "\n".join(x for x in (
            llm.reading_ja, "AIの下書きは得られませんでした。組み込みの読み取りでは次のように読めます。",
            f"【{LABEL_OFFLINE}】", offline.reading_ja) if x)
        llm.alternatives = [offered, *offline.alternatives]
        llm.choices = [*llm.choices, {"question_index": -1, "label": f"{LABEL_OFFLINE}を使う",
                                      "reply": choice_reply(LABEL_OFFLINE), "alternative": 0},
                       *({**c, "alternative": c["alternative"] + 1} for c in offline.choices if "alternative" in c)]
        return llm
    return llm


def _disagreement(llm: DraftOutcome, offline: DraftOutcome, found: list[Difference]) -> DraftOutcome:
    question = "AIと組み込みの読み取りで読み方が分かれました。どちらが意図に合っていますか。"
    reading = "\n".join([
        "2つの読み方が食い違っています（どちらも下書きにはしていません）。",
        f"【{LABEL_LLM}】", llm.reading_ja,
        f"【{LABEL_OFFLINE}】", offline.reading_ja,
        "違い:", *(d.line() for d in found),
    ])
    alternatives = [_alternative(llm, LABEL_LLM), _alternative(offline, LABEL_OFFLINE)]
    choices = [{"question_index": 0, "label": f"{alt['label']}にする", "reply": choice_reply(alt["label"]),
                "alternative": i} for i, alt in enumerate(alternatives)]
    return DraftOutcome(
        False, None, reading, [question], [], drafter=llm.drafter, model=llm.model,
        prompt_version=llm.prompt_version, attempts=llm.attempts, choices=choices, alternatives=alternatives,
        differences=[{"facet": d.facet, "llm": d.llm, "offline": d.offline} for d in found],
    )


class CrossCheckedDrafter:
    """The LLM drafter, checked against the offline parse of the same words."""

    kind = "llm"

    def __init__(self, llm: ReadingDrafter, offline: ReadingDrafter, catalog: Catalog) -> None:
        self.llm = llm
        self.offline = offline
        self.catalog = catalog

    def draft(self, text: str, *, current: Rule | None = None) -> DraftOutcome:
        # Both drafters' outcomes are combined before what every outcome states (missing records under a
        # negation): stated once, on the outcome the staff get, never once per drafter.
        offline = self.offline.read(text, current=current)
        if offline.blocked_by_guard:
            return self.llm.draft(text, current=current)  # its own guard refuses too: nothing is sent
        return combine(self.llm.read(text, current=current), offline, self.catalog)
