"""The presidio analyzer for Japanese: GiNZA as NLP engine plus Tsunagu's recognizers.

`get_analyzer()` builds it once per process (about 2 s, about 450 MB); `analyze()` returns
non-overlapping findings above the decision threshold. A city's 宛名番号 / 学籍番号 formats come
from privacy/pii/id_formats.yaml, or from the YAML file named by $TSUNAGU_PII_ID_FORMATS.
More recognizers plug in the presidio way: `get_analyzer().registry.add_recognizer(...)`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import regex

from privacy.pii.entities import supported_entities
from privacy.pii.folding import Folded, fold
from privacy.pii.text_utils import office_contact_block, template_regions

if TYPE_CHECKING:  # presidio loads spaCy; import it only when an analyzer is built
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from spacy.pipeline import EntityRecognizer

ID_FORMATS_ENV = "TSUNAGU_PII_ID_FORMATS"

LANGUAGE = "ja"
SPACY_MODEL = "ja_ginza"
DEFAULT_THRESHOLD = 0.5

# GiNZA (ENE) labels -> presidio ids. Only PERSON is used by Tsunagu's recognizers; the rest is
# the plain mapping that the off-the-shelf baseline relies on.
GINZA_LABEL_MAPPING: dict[str, str] = {
    "Person": "PERSON",
    "Province": "ADDRESS",
    "City": "ADDRESS",
    "County": "ADDRESS",
    "Postal_Address": "ADDRESS",
    "Date": "DATE_OF_BIRTH",
    "Phone_Number": "PHONE_NUMBER",
    "Email": "EMAIL_ADDRESS",
}

# Pipes Tsunagu does not use (dependency parse and bunsetu spans); NER, tags and lemmas stay.
UNUSED_PIPES = ("parser", "bunsetu_recognizer", "morphologizer", "compound_splitter")

_lock = threading.Lock()

# An office's contact block (its name above or before the value) hides these, but never a mobile
# number or a staff member's own mailbox (m.yasuda@…, taro_sato@…).
_CONTACT_TYPES = frozenset({"POSTAL_CODE", "ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS"})
_PERSONAL_CONTACT = regex.compile(r"^(?:[(（]?[0０][7-9７-９][0０]|[A-Za-z0-9]+[._][A-Za-z0-9._-]*@)")


@dataclass(frozen=True)
class Finding:
    """One detected span: entity id, character offsets and score."""

    type: str
    start: int
    end: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end,
                "score": round(self.score, 2)}


def build_nlp_engine(disable_unused: bool = True) -> SpacyNlpEngine:
    """A new spaCy/GiNZA NLP engine (about 2 s and 450 MB); prefer the cached `get_nlp_engine()`."""
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # presidio warns once per unmapped GiNZA label; the labels are ignored explicitly below.
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": dict(GINZA_LABEL_MAPPING),
            "low_score_entity_names": [],
        },
    }
    # the provider builds the spaCy engine for nlp_engine_name "spacy" (typed as the base NlpEngine)
    engine = cast("SpacyNlpEngine", NlpEngineProvider(nlp_configuration=config).create_engine())
    ner_labels = cast("EntityRecognizer", engine.get_nlp(LANGUAGE).get_pipe("ner")).labels
    engine.ner_model_configuration.labels_to_ignore = [
        label for label in ner_labels if label not in GINZA_LABEL_MAPPING]
    if disable_unused:
        nlp = engine.get_nlp(LANGUAGE)
        for name in UNUSED_PIPES:
            if name in nlp.pipe_names:
                nlp.disable_pipe(name)
    return engine


@lru_cache(maxsize=1)
def get_nlp_engine() -> SpacyNlpEngine:
    """The spaCy/GiNZA NLP engine used by Tsunagu's analyzer, loaded once per process."""
    return build_nlp_engine()


@lru_cache(maxsize=1)
def get_analyzer() -> AnalyzerEngine:
    """Tsunagu's AnalyzerEngine (GiNZA + Japanese recognizers), built once per process."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    from privacy.pii.id_formats import load_id_formats
    from privacy.pii.recognizers import default_recognizers

    formats_path = os.environ.get(ID_FORMATS_ENV)
    formats = load_id_formats(Path(formats_path)) if formats_path else load_id_formats()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in default_recognizers(formats):
        registry.add_recognizer(recognizer)
    enhancer = LemmaContextAwareEnhancer(context_prefix_count=5, context_suffix_count=8)
    return AnalyzerEngine(registry=registry, nlp_engine=get_nlp_engine(),
                          supported_languages=[LANGUAGE], context_aware_enhancer=enhancer)


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Merge overlapping findings of one type (their union, so masks leave nothing of the value
    visible), then keep the best of overlapping findings of different types (higher score, then
    longer span)."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.type, f.start, f.end)):
        last = merged[-1] if merged else None
        if last is not None and last.type == f.type and f.start < last.end:
            merged[-1] = Finding(f.type, last.start, max(last.end, f.end), max(last.score, f.score))
        else:
            merged.append(f)
    ranked = sorted(merged, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ranked:
        if all(f.end <= k.start or k.end <= f.start for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


def analyze(text: str, context: Sequence[str] | None = None,
            threshold: float = DEFAULT_THRESHOLD) -> list[Finding]:
    """Personal information in `text`: non-overlapping findings with score >= threshold.

    `context` adds words that raise low-confidence matches (e.g. a column name such as 宛名番号).
    """
    if not text or not text.strip():
        return []
    analyzer = get_analyzer()
    folded = fold(text)  # half-width kana and 異体字 (髙, 𠮷) as the tokenizer knows them
    with _lock:  # spaCy pipelines are not guaranteed thread-safe
        results = analyzer.analyze(text=folded.text, language=LANGUAGE,
                                   entities=supported_entities(),
                                   context=list(context) if context else None,
                                   score_threshold=threshold)
    return _findings(folded, results)


def _findings(folded: Folded, results: Iterable) -> list[Finding]:
    """Non-overlapping findings, with spans in the original (unfolded) text. A name inside an
    address is part of a place name (和泉市大字坪井字中ノ坪1234番地: 坪井 is no person there)."""
    from privacy.pii.recognizers.person_lexicon import can_be_surname

    results = list(results)
    templates = template_regions(folded.text)  # 記入例：氏名 和泉 太郎: an example, no one's data
    found = [Finding(r.entity_type, *folded.span(r.start, r.end), float(r.score)) for r in results
             if not any(s <= r.start and r.end <= e for s, e in templates)
             and not (r.entity_type in _CONTACT_TYPES and not _PERSONAL_CONTACT.match(folded.text[r.start:r.end])
                      and office_contact_block(folded.text, r.start))]
    addresses = [f for f in found if f.type == "ADDRESS" and f.score >= 0.8]
    # 兄は信太山の父方祖父宅に: a town where someone lives, read as a name too, is the town
    towns = {folded.span(r.start, r.end) for r in results
             if r.entity_type == "ADDRESS" and not can_be_surname(folded.text[r.start:r.end])}
    return resolve_overlaps(f for f in found if not (
        f.type == "PERSON" and ((f.start, f.end) in towns or any(
            a.start <= f.start and f.end <= a.end and (a.start, a.end) != (f.start, f.end) for a in addresses))))


def analyze_many(texts: Sequence[str], context: Sequence[str] | None = None,
                 threshold: float = DEFAULT_THRESHOLD, batch_size: int = 32) -> list[list[Finding]]:
    """`analyze()` for many texts, running GiNZA in batches (faster for mart scans)."""
    analyzer = get_analyzer()
    results: list[list[Finding]] = [[] for _ in texts]
    todo = [(i, fold(t)) for i, t in enumerate(texts) if t and t.strip()]
    entities = supported_entities()
    with _lock:
        batches = analyzer.nlp_engine.process_batch([f.text for _, f in todo], language=LANGUAGE,
                                                    batch_size=batch_size)
        for (index, folded), (_, artifacts) in zip(todo, batches, strict=True):
            found = analyzer.analyze(text=folded.text, language=LANGUAGE, entities=entities,
                                     context=list(context) if context else None,
                                     score_threshold=threshold, nlp_artifacts=artifacts)
            results[index] = _findings(folded, found)
    return results

