"""The LLM drafter: an OpenAI-compatible chat endpoint through langchain-openai.

Flow for one text: PII guard (nothing is sent when it blocks) -> prompt with the
relevant catalog items, the rule schema, few-shot examples and the staff's text
delimited as data -> structured output -> our own checks (id namespace, points
limit, items offered) + the engine's validator -> on errors, the repair prompt
with those errors, at most ``max_repairs`` times -> a valid rule or a Japanese
message, never a half-valid rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import SecretStr

from engine.catalog import Catalog, CatalogItem
from engine.catalog.model import DIFFICULTIES
from engine.rules.model import Rule, condition_items
from engine.rules.walk import json_path, leaf_items, leaves_with_trails
from rulegen.catalog_view import candidate_items, relevant_items
from rulegen.guard import TextGuard
from rulegen.missing_under_not import state_missing_under_not
from rulegen.offline.tokens import normalize
from rulegen.outcome import DraftOutcome, Provenance, problem
from rulegen.prompts import PromptSet, load_prompts
from rulegen.reading import rule_reading_ja
from rulegen.settings import DraftingSettings
from rulegen.validation import Problem, validate

DIFFICULTY_CHOICES = ", ".join(DIFFICULTIES)


def rule_schema_for_llm() -> dict[str, Any]:
    """The engine's published rule JSON Schema, as sent to the model (full validation happens on our side)."""
    try:
        from engine.rules.schema import rule_schema
    except ImportError:  # an engine without the published schema module
        return Rule.model_json_schema(by_alias=True, mode="validation")
    return {k: v for k, v in rule_schema().items() if k not in ("$schema", "$id")}


def _delimit(text: str) -> str:
    # The staff's text is data: strip anything that could close or open our delimiter.
    cleaned = re.sub(r"</?\s*staff_text\s*>", "", text, flags=re.IGNORECASE)
    return f"<staff_text>\n{cleaned}\n</staff_text>"


@dataclass(frozen=True)
class Attempt:
    """One answer of the model within a draft and what our checks found in it (no errors: accepted)."""

    number: int  # 1 = the first call, 2 = the first repair, ...
    answer: str  # the raw text the model returned
    errors: tuple[Problem, ...]

    @property
    def errors_text(self) -> str:
        """The errors as the repair prompt lists them."""
        return _errors_text(list(self.errors))


class LLMDrafter:
    kind = "llm"

    def __init__(self, settings: DraftingSettings, catalog: Catalog, guard: TextGuard | None, chat_model: Any | None = None,
                 on_attempt: Callable[[Attempt], None] | None = None):
        self.settings = settings
        self.catalog = catalog
        self.guard = guard
        self.prompts: PromptSet = load_prompts(settings.prompt_version)
        self._chat = chat_model
        # Called with every checked answer (tests and measurements; nothing of it is stored).
        self.on_attempt = on_attempt

    # -- model ----------------------------------------------------------------

    @property
    def model_name(self) -> str:
        return self.settings.model or "unknown"

    def _chat_model(self) -> Any:
        if self._chat is not None:
            return self._chat
        s = self.settings
        common: dict[str, Any] = {
            "api_key": s.api_key if s.api_key else SecretStr("not-needed"),
            "timeout": s.timeout_s,
            "max_retries": 0,
            "temperature": s.temperature,
            "max_completion_tokens": s.max_tokens,  # the field max_tokens, by its alias
        }
        if s.provider == "azure":
            from langchain_openai import AzureChatOpenAI

            self._chat = AzureChatOpenAI(azure_endpoint=s.base_url, azure_deployment=s.model,
                                         api_version=s.api_version or "2024-10-21", **common)
        else:
            from langchain_openai import ChatOpenAI

            self._chat = ChatOpenAI(base_url=s.base_url, model=s.model or "default", **common)
        return self._chat

    def _structured(self, method: str | None = None) -> Any:
        schema = rule_schema_for_llm()
        method = method or self.settings.structured_method
        chat = self._chat_model()
        if method == "json_schema":
            return chat.with_structured_output({"name": "tsunagu_rule", "schema": schema, "strict": False}, method="json_schema", include_raw=True)
        if method == "function_calling":
            fn = {"title": "tsunagu_rule", "description": "リスク判定ルール 1 件", **schema}
            return chat.with_structured_output(fn, method="function_calling", include_raw=True)
        return chat.with_structured_output(None, method="json_mode", include_raw=True)

    # -- prompts --------------------------------------------------------------

    def _offered_items(self, text: str) -> list[CatalogItem]:
        """The catalog items this text can concern (deterministic); the full catalog when nothing matches."""
        return candidate_items(text, self.catalog, self.settings.max_catalog_items)

    def _examples_text(self) -> str:
        return "\n\n".join(
            f"職員の文章:\n{_delimit(e['text'])}\nルール:\n{json.dumps(e['rule'], ensure_ascii=False)}" for e in self.prompts.examples
        )

    def static_system_prompt(self) -> str:
        """The system part of a prompt version without a catalog slot: byte-identical for every call."""
        return self.prompts.system.format(
            id_prefix=self.settings.rule_id_prefix, max_points=self.settings.max_points,
            difficulties=DIFFICULTY_CHOICES, examples=self._examples_text(),
        )

    def system_prompt(self, text: str) -> tuple[str, list[str]]:
        """v1 layout: schema, the text's catalog items and examples all in the system part."""
        items = relevant_items(text, self.catalog, self.settings.max_catalog_items)
        catalog_json = json.dumps([i.llm_view() for i in items], ensure_ascii=False, indent=1)
        system = self.prompts.system.format(
            id_prefix=self.settings.rule_id_prefix,
            max_points=self.settings.max_points,
            difficulties=DIFFICULTY_CHOICES,
            schema=json.dumps(rule_schema_for_llm(), ensure_ascii=False),
            catalog=catalog_json,
            examples=self._examples_text(),
        )
        return system, [i.id for i in items]

    def user_prompt(self, text: str, current: Rule | None) -> str:
        if current is None:
            return "次の基準をルールにしてください。\n" + _delimit(text)
        cur = json.dumps(current.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False)
        return f"今のルール:\n{cur}\n\nこのルールを次の依頼のとおりに直した、ルール全体を返してください。\n" + _delimit(text)

    def first_messages(self, text: str, current: Rule | None) -> tuple[list[tuple[str, str]], list[str]]:
        """(role, content) pairs of the first call and the item ids offered.

        Versions whose system template has no catalog slot (v2 on) keep the system part static and put
        the text's catalog items in the user message, right before the staff's words.
        """
        scope = text + ("\n" + " ".join(leaf_items(current.condition)) if current else "")
        request = self.user_prompt(text, current)
        if "{catalog}" in self.prompts.system:
            system, offered = self.system_prompt(scope)
            return [("system", system), ("user", request)], offered
        items = self._offered_items(scope)
        catalog_json = json.dumps([i.llm_view() for i in items], ensure_ascii=False, separators=(",", ":"))
        user = _user_template(self.settings.prompt_version).format(catalog=catalog_json, request=request)
        return [("system", self.static_system_prompt()), ("user", user)], [i.id for i in items]

    # -- drafting ---------------------------------------------------------------

    def draft(self, text: str, *, current: Rule | None = None) -> DraftOutcome:
        return state_missing_under_not(self.read(text, current=current), self.catalog)

    def read(self, text: str, *, current: Rule | None = None) -> DraftOutcome:
        """The outcome before what every drafter's outcome states (rulegen/missing_under_not.py)."""
        base = Provenance(drafter="llm", model=self.model_name, prompt_version=self.prompts.version)
        if self.guard is None:
            return DraftOutcome(False, None, "", problems=[problem("no_guard", "個人情報のチェックが設定されていないため、LLM には送信しません。")], **base)
        # The current rule goes to the model too: its staff-written title and description are guarded with the text.
        guarded = text if current is None else "\n".join([text, current.title, current.description])
        guard = self.guard.check(guarded)
        if not guard.allowed:
            return DraftOutcome(
                False, None, "", problems=[problem("pii_blocked", guard.message_ja or "個人情報と思われる語句が含まれているため送信しませんでした。")],
                blocked_by_guard=True, guard_summary=dict(guard.summary), **base,
            )
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        first, offered = self.first_messages(text, current)
        if current is not None:
            offered = sorted(set(offered) | condition_items(current.condition))
        messages: list[Any] = [SystemMessage(first[0][1]), HumanMessage(first[1][1])]
        runnable = self._structured()
        last_errors: list[Problem] = []
        attempts = 0
        for attempt in range(self.settings.max_repairs + 1):
            attempts = attempt + 1
            try:
                try:
                    result = runnable.invoke(messages)
                except Exception as exc:  # noqa: BLE001
                    if not (attempt == 0 and self.settings.structured_method == "json_schema" and _rejects_schema(exc)):
                        raise
                    # Endpoints without structured outputs (older vLLM, llama.cpp) reject json_schema: use JSON mode.
                    runnable = self._structured("json_mode")
                    result = runnable.invoke(messages)
                raw_text = _raw_text(result.get("raw"))
                doc, parse_problem = _parsed_document(result, raw_text)
            except Exception as exc:  # noqa: BLE001 - every client error becomes a message for staff
                cut = _cut_off_answer(exc)
                if cut is None:
                    return DraftOutcome(False, None, "", problems=[_client_problem(exc)], attempts=attempts, **base)
                # The answer stopped at the completion-token limit: an answer to repair, not a client error.
                raw_text, doc, parse_problem = cut, {}, _cut_off_problem(self.settings.max_tokens)
            accepted: Rule | None = None
            if parse_problem is not None:
                last_errors, checked = [parse_problem], None
            else:
                checked, report, last_errors = self.checked(doc, text, offered)
                if not last_errors and report.ok and report.rule is not None:
                    accepted = report.rule
            if self.on_attempt is not None:
                self.on_attempt(Attempt(attempts, raw_text, tuple(last_errors)))
            if accepted is not None:
                reading = rule_reading_ja(accepted, self.catalog)
                if attempt:
                    reading = f"(検証で見つかった問題を {attempt} 回修正しました)\n" + reading
                return DraftOutcome(True, accepted, reading, problems=report.problems_as_dicts(),
                                    guard_summary=dict(guard.summary), attempts=attempts, **base)
            if attempt < self.settings.max_repairs:
                answer, request = self.repair_turns(raw_text, checked, last_errors)
                messages += [AIMessage(answer), HumanMessage(request)]
        problems = [p.to_dict() for p in last_errors]
        cut_off = any(p.code == "cut_off" for p in last_errors)
        problems.insert(0, problem("draft_failed", f"LLM の下書きが {attempts} 回とも検証に通らなかったため、ルールを作れませんでした。" + (
            f"回答が長さの上限 ({self.settings.max_tokens} トークン、TSUNAGU_LLM_MAX_TOKENS) で切れています。" if cut_off else "")
            + "文章を具体的にするか、オフラインの下書き機能を使ってください。"))
        return DraftOutcome(False, None, "", problems=problems, guard_summary=dict(guard.summary), attempts=attempts, **base)

    def checked(self, doc: dict[str, Any], text: str, offered: list[str]) -> tuple[dict[str, Any], Any, list[Problem]]:
        """An answer's rule document as we keep it (id and description ours), the validator's report on it and
        every error found (our limits first): no errors and a valid report accept it."""
        doc = self._enforce(doc, text)
        report = validate(doc, self.catalog)
        return doc, report, self._policy_problems(doc, offered) + list(report.errors)

    def repair_turns(self, raw_text: str | None, doc: dict[str, Any] | None, errors: list[Problem]) -> tuple[str, str]:
        """The two messages a repair adds to the conversation: the model's answer as its own (assistant) turn,
        then the repair request. v1/v2 repeat the answer in the request ({previous}); from v3 on the request
        carries only the errors with their JSON paths and the parts of the answer they are about
        ({fragments}): the answer is already in the conversation, right above."""
        answer = raw_text or ""
        request = self.prompts.repair.format(errors=_errors_text(errors), previous=answer[:4000],
                                             fragments=_fragments_text(doc, errors))
        return answer, request

    def _enforce(self, doc: dict[str, Any], text: str) -> dict[str, Any]:
        """Fields the model does not choose: the id namespace and the staff's original words."""
        doc = dict(doc)
        doc["id"] = self.settings.rule_id_prefix + hashlib.sha256(normalize(text).encode()).hexdigest()[:10]
        doc["description"] = text.strip()[:4000]
        doc.setdefault("when_missing", "not_met")
        return doc

    def _policy_problems(self, doc: dict[str, Any], offered: list[str]) -> list[Problem]:
        out: list[Problem] = []
        pts = doc.get("points")
        if isinstance(pts, int) and not isinstance(pts, bool) and pts > self.settings.max_points:
            out.append(Problem("$.points", "points_limit", f"点数 {pts} は上限 {self.settings.max_points} を超えています", hint=f"1〜{self.settings.max_points} にしてください"))
        condition = doc.get("condition")
        if isinstance(condition, dict):
            for leaf, trail in leaves_with_trails(condition):
                item = leaf.get("item") if isinstance(leaf, dict) else None
                # An item the catalog lacks is the validator's (unknown_item, with similar items): said once.
                if isinstance(item, str) and item not in offered and self.catalog.get(item) is not None:
                    out.append(Problem(json_path("$.condition", trail) + ".item", "item_not_offered",
                                       f"データ項目「{item}」は示した一覧にありません", hint="示したデータ項目の id だけを使ってください"))
        return out


@lru_cache(maxsize=8)
def _user_template(version: str, family: str = "drafting") -> str:
    """The user-message template of a prompt version (``user.md``); the bare catalog + request without one."""
    path = resources.files("prompts").joinpath(family, version, "user.md")
    return path.read_text(encoding="utf-8") if path.is_file() else "{catalog}\n\n{request}"


def _raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    calls = getattr(raw, "tool_calls", None)
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def _parsed_document(result: dict[str, Any], raw_text: str) -> tuple[dict[str, Any], Problem | None]:
    # Parse the raw answer strictly ourselves: langchain's parser accepts partial JSON.
    text = raw_text.strip()
    if not text and isinstance(result.get("parsed"), dict):
        return result["parsed"], None
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fence:
        text = fence.group(1)
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return {}, Problem("", "not_json", "回答が JSON として読めませんでした", hint="ルールの JSON オブジェクト 1 つだけを返してください")
    if not isinstance(doc, dict):
        return {}, Problem("", "not_an_object", "回答が JSON オブジェクトではありません", hint="ルールの JSON オブジェクト 1 つだけを返してください")
    return doc, None


def _cut_off_answer(exc: Exception) -> str | None:
    """The partial answer of a reply stopped at the token limit (the openai client's LengthFinishReasonError,
    raised when a response format is set), else None."""
    if type(exc).__name__ != "LengthFinishReasonError":
        return None
    choices = getattr(getattr(exc, "completion", None), "choices", None) or []
    content = getattr(getattr(choices[0], "message", None), "content", None) if choices else None
    return content if isinstance(content, str) else ""


def _cut_off_problem(max_tokens: int) -> Problem:
    return Problem("", "cut_off", f"回答が長さの上限 ({max_tokens} トークン) で途中で切れ、JSON として読めませんでした",
                   hint="説明や余分な空白を付けず、ルールの JSON オブジェクト 1 つだけを返してください")


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
FRAGMENT_CHARS = 400  # a fragment longer than this is cut (the whole answer is in the conversation)


def _fragment(doc: dict[str, Any], path: str) -> tuple[str, Any] | None:
    """The part of ``doc`` an error's JSON path (``$.condition.all[0].value``) is about, with its path: the
    comparison the path lies in (its item, comparison and value read together), else the deepest value the
    path reaches; None when it reaches nothing below the whole rule (a missing field, an unreadable answer)."""
    trail: list[str | int] = []
    node: Any = doc
    best: tuple[str, Any] | None = None
    for m in _PATH_PART.finditer(path.removeprefix("$")):
        key: str | int = m.group(1) if m.group(1) is not None else int(m.group(2))
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            break
        trail.append(key)
        if isinstance(node, dict) and "item" in node:
            best = (json_path("$", tuple(trail)), node)
    if best is None and trail:
        best = (json_path("$", tuple(trail)), node)
    return best


def _fragments_text(doc: dict[str, Any] | None, errors: list[Problem]) -> str:
    """The parts of the answer the errors are about, one line each (``- $.path: JSON``), each part once."""
    parts: dict[str, Any] = {}
    for e in errors:
        found = _fragment(doc, e.path) if doc else None
        if found is not None:
            parts.setdefault(*found)
    if not parts:
        return "（部分では示せません。直前の回答全体を見直してください）"
    lines = []
    for path, node in parts.items():
        text = json.dumps(node, ensure_ascii=False, separators=(", ", ": "))
        lines.append(f"- {path}: " + (text if len(text) <= FRAGMENT_CHARS else text[:FRAGMENT_CHARS] + " …（以下略）"))
    return "\n".join(lines)


def _errors_text(errors: list[Problem]) -> str:
    return "\n".join(f"- [{e.code}] {e.path}: {e.message}" + (f" (ヒント: {e.hint})" if e.hint else "") for e in errors)


def _rejects_schema(exc: Exception) -> bool:
    """A 400 from the endpoint about the response format / JSON schema."""
    if getattr(exc, "status_code", None) != 400:
        return False
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "schema", "structured"))


def _client_problem(exc: Exception) -> dict[str, Any]:
    name = type(exc).__name__
    if "Timeout" in name:
        return problem("llm_timeout", "LLM の応答が時間内に返りませんでした。時間をおいて再度試すか、オフラインの下書き機能を使ってください。")
    if "Connection" in name:
        return problem("llm_unreachable", "LLM のサーバーに接続できませんでした。設定 (TSUNAGU_LLM_BASE_URL) を確認するか、オフラインの下書き機能を使ってください。")
    if "Authentication" in name or "PermissionDenied" in name:
        return problem("llm_auth", "LLM のサーバーに認証されませんでした。API キー (TSUNAGU_LLM_API_KEY) を確認してください。")
    return problem("llm_error", f"LLM の呼び出しでエラーが起きました ({name})。")
