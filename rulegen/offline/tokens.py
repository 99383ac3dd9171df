"""SudachiPy tokens and the catalog's phrase index (item names and synonyms as token sequences)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from engine.catalog import Catalog

from .rewrites import rewrite

if TYPE_CHECKING:
    from sudachipy import Tokenizer

_SKIP_POS = {"助詞", "補助記号", "空白"}


@dataclass(frozen=True)
class Tok:
    surface: str
    base: str
    pos: str
    start: int
    end: int

    @property
    def is_content(self) -> bool:
        return self.pos not in _SKIP_POS


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    from sudachipy import dictionary

    return dictionary.Dictionary(dict="core").create()


def tokenize(text: str) -> list[Tok]:
    from sudachipy import tokenizer

    mode = tokenizer.Tokenizer.SplitMode.A
    # SudachiPy glues round brackets to the word before them (「被害(これまで)」 as one noun); corner
    # brackets of the same length are split off as symbols, and the offsets stay those of ``text``.
    return [
        Tok(m.surface(), m.dictionary_form().lower(), m.part_of_speech()[0], m.begin(), m.end())
        for m in _tokenizer().tokenize(text.translate(_BRACKETS), mode)
    ]


_BRACKETS = str.maketrans("()（）", "「」「」")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """NFKC, then the spelling rewrites of ``rewrites.yaml`` (no spaces, one spelling for months and ranges,
    kanji numerals before units as digits …): a pure function of the text, cached, since the parser
    normalizes the catalog's names again and again."""
    return rewrite(unicodedata.normalize("NFKC", text))


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(t.base for t in tokenize(normalize(text)) if t.is_content)


def run_keys(toks: list[Tok]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The dictionary-form key and the surface key of a run of text tokens."""
    return tuple(t.base for t in toks), tuple(t.surface.lower() for t in toks)


@dataclass(frozen=True)
class PhraseIndex:
    """Token-sequence keys of every item name/synonym, and which items each single token occurs in."""

    keys: dict[tuple[str, ...], frozenset[str]]
    token_items: dict[tuple[str, ...], frozenset[str]]
    max_len: int


def build_index(catalog: Catalog, exclude: frozenset[str], filler: frozenset[str]) -> PhraseIndex:
    keys: dict[tuple[str, ...], set[str]] = {}
    token_items: dict[tuple[str, ...], set[str]] = {}
    for item in catalog.items:
        if item.id in exclude:
            continue
        for phrase in (item.name, *item.synonyms):
            toks = [t for t in tokenize(normalize(phrase)) if t.is_content]
            if not toks:
                continue
            # A token means something when neither its dictionary form nor its surface is a filler word.
            meaningful = [
                t.base not in filler and t.surface.lower() not in filler and not t.base.isdigit() and len(t.base) >= 2 for t in toks
            ]
            for key in run_keys(toks):
                keys.setdefault(key, set()).add(item.id)
                # Every contiguous part of the key with at least one meaningful token.
                for a in range(len(key)):
                    for b in range(a + 1, len(key) + 1):
                        if b - a < len(key) and any(meaningful[a:b]):
                            token_items.setdefault(key[a:b], set()).add(item.id)
    return PhraseIndex(
        keys={k: frozenset(v) for k, v in keys.items()},
        token_items={k: frozenset(v) for k, v in token_items.items()},
        max_len=max((len(k) for k in keys), default=1),
    )
