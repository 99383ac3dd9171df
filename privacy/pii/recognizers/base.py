"""Shared base for Tsunagu's regex recognizers (presidio `LocalRecognizer`s).

Japanese labels often follow the value (「平成30年4月1日生まれ」) and `\\b` does not work next to
kana, so each recognizer scores its own matches with a character window around them (`score_match`).
Context words listed in `context` still let presidio's context enhancer raise low scores from
context given by the caller, e.g. the column name during a mart scan.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import ClassVar

import regex
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class JaRegexRecognizer(LocalRecognizer):
    """A recognizer defined by regexes plus a scoring hook that sees the whole text."""

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[str]]
    CONTEXT: ClassVar[list[str]] = []
    name: str  # set by EntityRecognizer.__init__ (its type is not declared there)

    def __init__(self, patterns: list[str] | None = None, context: list[str] | None = None,
                 name: str | None = None) -> None:
        self._regexes = [regex.compile(p) for p in (patterns or self.PATTERNS)]
        super().__init__(supported_entities=[self.ENTITY], supported_language="ja",
                         context=context if context is not None else list(self.CONTEXT),
                         name=name or type(self).__name__)

    def load(self) -> None:  # patterns are compiled in __init__
        pass

    def matches(self, text: str) -> Iterator[tuple[int, int]]:
        """Spans of all regex matches (may overlap across patterns)."""
        seen: set[tuple[int, int]] = set()
        for rx in self._regexes:
            for m in rx.finditer(text, overlapped=False):
                span = m.span("v") if "v" in rx.groupindex else m.span()
                if span[0] < span[1] and span not in seen:
                    seen.add(span)
                    yield span

    def adjust_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Trim a raw match before scoring (default: unchanged)."""
        return start, end

    @abstractmethod
    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        """Return (score, boosted_by_own_context) for a match, or None to drop it."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = []
        for start, end in self.matches(text):
            start, end = self.adjust_span(text, start, end)
            scored = self.score_match(text, start, end)
            if scored is None:
                continue
            score, boosted = scored
            results.append(self.result(start, end, score, boosted))
        return results

    def result(self, start: int, end: int, score: float, boosted: bool = False,
               entity: str | None = None) -> RecognizerResult:
        """Build a RecognizerResult tagged with this recognizer's id."""
        explanation = AnalysisExplanation(recognizer=self.name, original_score=score,
                                          textual_explanation=f"{self.name} match")
        metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        if boosted:
            metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return RecognizerResult(entity_type=entity or self.ENTITY, start=start, end=end,
                                score=score, analysis_explanation=explanation,
                                recognition_metadata=metadata)
