"""Drafting settings: which drafter, which endpoint, which limits.

Values come from the environment (``TSUNAGU_LLM_*``) or are passed explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Provider = Literal["offline", "openai", "azure"]
StructuredMethod = Literal["json_schema", "json_mode", "function_calling"]

ENV_PREFIX = "TSUNAGU_LLM_"


class DraftingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider = "offline"
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr | None = None
    api_version: str | None = Field(default=None, description="Azure OpenAI API version")
    # A city's CPU model server needs minutes for a first prompt; the prefix cache serves the later ones.
    timeout_s: float = Field(default=180.0, gt=0, le=1800)
    max_tokens: int = Field(default=1024, ge=16, le=8192, description="completion tokens per call")
    max_repairs: int = Field(default=2, ge=0, le=5)
    structured_method: StructuredMethod = "json_schema"
    temperature: float = Field(default=0.0, ge=0, le=2)
    prompt_version: str = "v4"
    rule_id_prefix: str = Field(default="draft-", pattern=r"^[a-z0-9][a-z0-9_.-]{0,20}$")
    default_points: int = Field(default=10, ge=1, le=100)
    max_points: int = Field(default=30, ge=1, le=100)
    max_catalog_items: int = Field(default=14, ge=3, le=200)
    # Compare the LLM draft with the offline parse and show both when they disagree (issue 14, item 5).
    cross_check: bool = True
    # A counted record with no time word (「欠席30日以上」): ask for the look-back (True; blind evaluators read such
    # criteria as open) or count the past 12 months as an assumption stated in the reading (False).
    ask_unstated_scope: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> DraftingSettings:
        """Read ``TSUNAGU_LLM_PROVIDER``, ``_BASE_URL``, ``_MODEL``, ``_API_KEY``, ``_API_VERSION``,
        ``_TIMEOUT`` (seconds per call), ``_MAX_TOKENS``, ``_MAX_REPAIRS``, ``_METHOD``, ``_MAX_POINTS``, ``_DEFAULT_POINTS``,
        ``_CROSS_CHECK`` (``0`` to skip the comparison with the offline parse), ``_ASK_SCOPE`` (``0``: count a record
        with no time word over the past 12 months, stated, instead of asking).

        Without a provider the drafter is the LLM one when a model and a base URL are set, else offline.
        """
        env = os.environ if env is None else env
        get = lambda key: (env.get(ENV_PREFIX + key) or "").strip() or None  # noqa: E731
        values: dict[str, object] = {}
        mapping = {
            "BASE_URL": "base_url",
            "MODEL": "model",
            "API_KEY": "api_key",
            "API_VERSION": "api_version",
            "TIMEOUT": "timeout_s",
            "MAX_REPAIRS": "max_repairs",
            "METHOD": "structured_method",
            "MAX_POINTS": "max_points",
            "DEFAULT_POINTS": "default_points",
            "PROMPT_VERSION": "prompt_version",
            "MAX_TOKENS": "max_tokens",
            "CROSS_CHECK": "cross_check",
            "ASK_SCOPE": "ask_unstated_scope",
        }
        for key, field in mapping.items():
            value = get(key)
            if value is not None:
                values[field] = value
        provider = get("PROVIDER")
        if provider is None:
            provider = "openai" if values.get("model") and values.get("base_url") else "offline"
        values["provider"] = provider
        values.update(overrides)
        return cls.model_validate(values)

    @property
    def uses_llm(self) -> bool:
        return self.provider in ("openai", "azure")
