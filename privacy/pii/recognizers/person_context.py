"""Person names found by context rather than by form (issue 15), used by the person recognizer.

- bare given names before person context (「陽菜が登校」「光と双子」「颯真本人」「樹の父」);
- names after kinship words and in enumerations (「長女の芽衣と次女の結衣」「長男翔太、次男健太」
  「きょうだいは悠人・芽依・心春」);
- names in latin letters (Sato Haruto, SILVA, Ana, SANTOS Maria) and in Hangul (김민준, 김 지영);
- a full name written with a space right after a family word (父張 強、母李 娜);
- the rest of a name split by a space or a middle dot (小田 悠人, グエン・ヴァン・アン);
- every later mention of a name already found in the same text (「山本陽菜さん…陽菜は」).
Word lists live in person_context.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import regex
import yaml

from privacy.pii.recognizers.person_lexicon import (
    GIVEN_ROLE_SUFFIX,
    HONORIFIC,
    KATAKANA_ROLES,
    LATIN_ROLES,
    ORG_TAIL,
    ROLE_WORDS,
    can_be_given_name,
    can_be_surname,
    dictionary_kinds,
    has_person_entry,
    is_abstract_noun,
    is_hiragana_kin,
    is_role_word,
    is_time_or_counter,
    lexical_kind,
    org_after,
)
from privacy.pii.text_utils import table_cells

_DATA_PATH = Path(__file__).resolve().parents[1] / "person_context.yaml"


class Candidates(Protocol):
    text: str
    spans: dict[tuple[int, int], tuple[float, bool]]

    def add(self, start: int, end: int, score: float, boosted: bool) -> None: ...

    def overlaps(self, start: int, end: int) -> bool: ...


@dataclass(frozen=True)
class _Vocabulary:
    after: regex.Pattern[str]
    weak_after: regex.Pattern[str]
    kin_before: regex.Pattern[str]
    hiragana_not_names: frozenset[str]
    latin_not_names: frozenset[str]
    name_kanji: frozenset[str]
    kin_words: frozenset[str]
    before_later_mention: regex.Pattern[str]
    name_columns: frozenset[str]
    clause_actions: regex.Pattern[str]
    katakana_not_names: frozenset[str]
    passive_after: regex.Pattern[str]
    weak_after_one_kanji: regex.Pattern[str]
    adverb_openers: frozenset[str]
    family_before: regex.Pattern[str]
    hangul_not_names: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    data = yaml.safe_load(_DATA_PATH.read_text(encoding="utf-8"))

    def alternatives(words: list[str]) -> str:
        return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))

    return _Vocabulary(
        after=regex.compile(rf"(?:{alternatives(data['after'])})"),
        weak_after=regex.compile(rf"(?:{alternatives(data['weak_after'])})"),
        kin_before=regex.compile(rf"(?:{alternatives(data['kin_before'])})[ 　]?[のはが、:：・（(]?[ 　]?$"),
        hiragana_not_names=frozenset(data["hiragana_not_names"]),
        latin_not_names=frozenset(data["latin_not_names"]),
        name_kanji=frozenset(str(data["name_kanji"]).replace(" ", "")),
        kin_words=frozenset(data["kin_before"]),
        before_later_mention=regex.compile(rf"(?:{alternatives(data['words_before_later_mention'])})$"),
        name_columns=frozenset(data.get("name_columns", [])),
        clause_actions=regex.compile(rf"(?:{alternatives(data.get('clause_actions', ['(?!)']))})"),
        weak_after_one_kanji=regex.compile(rf"(?:{alternatives(data.get('weak_after_one_kanji', ['(?!)']))})"),
        adverb_openers=frozenset(data.get("adverb_openers", [])),
        katakana_not_names=frozenset(data.get("katakana_not_names", [])),
        family_before=regex.compile(rf"(?:{alternatives(data.get('family_before', ['(?!)']))})[・:：]?$"),
        hangul_not_names=frozenset(data.get("hangul_not_names", [])),
        passive_after=regex.compile(
            rf"に[^。、\n「」]{{0,6}}?(?:{alternatives(data.get('passive_verbs', ['(?!)']))})"),
    )


_WORD_BEFORE = regex.compile(
    r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])(?:(?<![\p{Han}々])[\p{Han}々]{1,3}"
    r"|(?<![\p{Hiragana}\p{Han}])[\p{Hiragana}]{2,4}"
    r"|(?<![\p{Katakana}ー])[\p{Katakana}ー]{2,8})$")
_WORD_AFTER = regex.compile(
    r"^(?:[\p{Han}々]{1,3}(?![\p{Han}々])|[\p{Hiragana}]{2,5}|[\p{Katakana}ー]{2,8}(?![\p{Katakana}ー]))")
_NAME_END = regex.compile(r"^(?:$|[、・,，と。（(「」)）\s]|が|は|も|の|に|を|で|くん|ちゃん|さん|君|本人)")
_LIST_BEFORE = regex.compile(
    r"(?:^|(?<=[。、\n「：:（(・はがも]))(?P<w>(?<![\p{Han}々])[\p{Han}々]{1,3}|[\p{Hiragana}]{2,4}|[\p{Katakana}ー]{2,8})[と・]$")
_LIST_SEPARATOR = regex.compile(r"^(?:くん|ちゃん|さん|君)?(?:[、・,，]|と(?!して|いう|は))")
_PARTICLE_END = regex.compile(r"[がはをにともへでの]$")
_LATIN_NAME = regex.compile(
    r"(?<![A-Za-z])(?:[A-Z][a-z]+|[A-Z]{2,})(?:,?[ 　](?:[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?|[A-Z]{2,})){1,3}(?![A-Za-z-])")
# A label before a name in capitals (英字氏名：HARUTO SATO, 表記で「…」, 児童：LI YUN, 転入児童 NGUYEN THI MAI).
_LATIN_LABEL_BEFORE = regex.compile(
    r"(?:氏名|名前|表記|英字|ローマ字|児童|生徒|本人|本児|母|父|保護者|長男|長女|次男|次女)[^。\n]{0,8}$")
_HAN = regex.compile(r"[\p{Han}々]")
_LATIN_SINGLE = regex.compile(r"(?<![A-Za-z])[A-Z][a-z]{2,12}(?![A-Za-z])")
_WITH_READING = regex.compile(
    r"(?<![\p{Han}々])([\p{Han}々]{1,4}(?:[ 　][\p{Han}々]{1,3})?)[（(]"
    r"([\p{Hiragana}ー]{2,10}(?:[ 　][\p{Hiragana}ー]{1,8})?|[\p{Katakana}ー]{1,10}(?:[ 　・][\p{Katakana}ー]{1,8}){0,3})[)）]")
_HIRAGANA = regex.compile(r"^\p{Hiragana}+$")
_KATAKANA = regex.compile(r"^[\p{Katakana}ー]+$")


def _taken(found: Candidates, start: int, end: int) -> bool:
    """True when a name (score >= 0.5) already overlaps [start, end)."""
    return any(s < end and start < e and score >= 0.5 for (s, e), (score, _) in found.spans.items())


def is_name_like(word: str, strong: bool = False) -> bool:
    """Whether a bare word can be a given name or surname (by lexicon, or by name kanji)."""
    vocab = vocabulary()
    if not word or ORG_TAIL.search(word) or word in ROLE_WORDS or word in KATAKANA_ROLES \
            or word in vocab.kin_words or word in vocab.hiragana_not_names:
        return False
    if GIVEN_ROLE_SUFFIX.search(word) or (not can_be_given_name(word) and is_role_word(word)
                                          and not word.endswith("生")):
        return False  # 保健師, 相談員, 児童 (琉生, 芽生 end in 生 and stay names)
    if _HIRAGANA.match(word):
        if word.startswith(("お", "ご")) or is_hiragana_kin(word):
            return False  # おばあ(ちゃん), おにい(ちゃん), みな(さん)
        return word not in vocab.hiragana_not_names and (strong or lexical_kind(word) != "noun")
    if _KATAKANA.match(word):  # カイト, アナ, ソフィア are also nouns: listed person names in strong context
        return lexical_kind(word) != "noun" or (
            strong and word not in vocab.katakana_not_names and has_person_entry(word))
    if len(word) == 1:  # 光, 翼, 晴: listed given names (方, 上 are surnames too), 蒼 in a list
        return word not in vocab.hiragana_not_names and (
            can_be_given_name(word) or (strong and (word in vocab.name_kanji or can_be_surname(word))))
    if can_be_given_name(word) or can_be_surname(word):
        return True
    kind = lexical_kind(word)
    # 朝陽, 芽生: common nouns written in name kanji count only in strong person context.
    return 2 <= len(word) <= 3 and (strong or kind != "noun") and \
        all(ch in vocab.name_kanji for ch in word)


def context_names(found: Candidates) -> None:
    """Bare names right before person context: 陽菜が登校, 光と双子, 颯真本人, 樹の父."""
    text, vocab = found.text, vocabulary()
    for i in range(1, len(text)):
        strong = vocab.after.match(text, i) is not None or (
            text[i] == "に" and vocab.passive_after.match(text, i) is not None)  # こうきにお金を取られた
        if not strong and not vocab.weak_after.match(text, i):
            continue
        m = _WORD_BEFORE.search(text, max(0, i - 8), i)  # lookbehinds see the whole text
        if m is None:
            continue
        start = m.start()
        word = text[start:i]
        if start > 0 and text[start - 1] in "おご":
            continue
        inside = [(s, e) for (s, e), (score, _) in found.spans.items()
                  if score >= 0.5 and s < i and start < e]
        if any(s < start or e > i for s, e in inside) or (start, i) in inside:
            continue  # a longer name already covers it
        if not is_name_like(word, strong=True) or (not strong and not (
                (len(word) >= 2 and (can_be_given_name(word) or can_be_surname(word)))
                or _one_kanji_opening_a_clause(text, start, word))):
            continue
        found.add(start, i, 0.7, True)  # merged with a shorter name inside it (ゆい|と)


def _one_kanji_opening_a_clause(text: str, start: int, word: str) -> bool:
    """海の欠席が…, 望の家庭訪問は…: a one-kanji name that opens a clause before a child's attendance
    word; not a season or a counter (冬の欠席, 月の欠席) nor an abstract noun (心の様子)."""
    vocab = vocabulary()
    return len(word) == 1 and (start == 0 or text[start - 1] in "。\n「、") \
        and vocab.weak_after_one_kanji.match(text, start + 1) is not None \
        and (word in vocab.name_kanji or can_be_given_name(word)) \
        and not is_time_or_counter(word) and not is_abstract_noun(word)


# An identifier right before a name: 出席番号12番の陽向が, 学籍番号20220911の陽葵、
_BOTH = regex.compile(r"^の?(?:とも[にで]|いずれ|どちら|ふたり|うち)")
_STAFF_BEFORE = regex.compile(
    r"(?:担任|SSW|相談員|保健師|担当|主任|ケースワーカー|CW|教頭|校長|養護教諭|支援員)[ 　]?[のはがに、:：]?[ 　]?$")
_NICKNAME_LABEL = regex.compile(r"(?:呼び名|愛称|あだ名)は?「$")
_ID_BEFORE = regex.compile(r"(?:(?<![0-9０-９])[0-9０-９]{4,}|(?<![0-9０-９])[0-9０-９]{1,3}番)の$")


def _word_after(text: str, position: int) -> tuple[int, int] | None:
    m = _WORD_AFTER.match(text[position:position + 8])
    if m is None or HONORIFIC.match(text[position:position + 4]):
        return None  # 兄|ちゃん: an honorific, not a name
    if _BOTH.match(m.group(0)):
        return None  # 長女・次女|ともに登校: "both", not a name
    end = position + len(m.group(0))
    word = m.group(0)
    if _HIRAGANA.match(word):
        while len(word) > 2 and not _NAME_END.match(text[end:end + 3]) and _PARTICLE_END.search(word):
            word, end = word[:-1], end - 1
        if _PARTICLE_END.search(word) and len(word) > 2:
            word, end = word[:-1], end - 1
    if _HIRAGANA.match(word) and not _NAME_END.match(text[end:end + 3]):
        cut = regex.match(r"\p{Hiragana}{2,4}?(?=の)", word)
        if cut and can_be_given_name(cut.group(0)):  # 弟しん|のお迎え
            end = position + len(cut.group(0))
    if not _NAME_END.match(text[end:end + 3]) or org_after(text, end):
        return None
    return position, end


def kin_and_enumerations(found: Candidates, token_starts: frozenset[int] | None = None) -> None:
    """Names after kinship words (長女の芽衣, 次男健太) and the names listed after a name."""
    text, vocab = found.text, vocabulary()
    for i in range(1, len(text)):
        if not vocab.kin_before.search(text[max(0, i - 8):i]) and not _ID_BEFORE.search(text, max(0, i - 12), i):
            continue
        span = _word_after(text, i)
        if span and token_starts is not None and i not in token_starts and _HAN.match(text[i - 1]) \
                and _HAN.match(text[i]):
            continue  # 対象|児童: the kinship word (児) is part of a longer word
        if span and text[i] == "の" and not can_be_given_name(text[span[0]:span[1]]) and (
                text[i + 1:i + 2] != "の" or can_be_given_name(text[i + 1:span[1]])) \
                and _word_after(text, i + 1) is not None:
            continue  # 次女の|あかり, 長女の|のぞみ: the particle is no part of the name (妹ののか is)
        if span and text[span[0]] in "がをでへ" and _HIRAGANA.match(text[span[0]:span[1]]):
            continue  # 妹|がいて: a particle after the kinship word, no name starts with it
        if span and _HIRAGANA.match(text[span[0]:span[1]]) and _STAFF_BEFORE.search(text, max(0, i - 8), i):
            continue  # SSWが|とりまとめる, 保健師が担当|する: staff are named by surname
        if span and text[max(0, i - 2):i] == "担当" and regex.match(r"(?:する|した|して|し|され|させ|できる)", text[span[0]:span[1]]):
            continue  # 伯太町を担当|する: the verb, no name
        nickname = span is not None and _NICKNAME_LABEL.search(text, max(0, i - 8), i) is not None
        if span and not _taken(found, *span) and (is_name_like(text[span[0]:span[1]], strong=True) or (
                nickname and _listed_with(text[span[0]:span[1]], "ア"))):  # 呼び名は「ガビ」
            found.add(span[0], span[1], 0.75, True)
    changed = True
    while changed:
        changed = False
        for (_start, end), (score, _) in sorted(found.spans.items()):
            if score < 0.5:
                continue
            before = _LIST_BEFORE.search(text, max(0, _start - 12), _start)
            if before and not _taken(found, *before.span("w")) and \
                    _listed_with(before.group("w"), text[_start:end]):
                w_start, w_end = before.span("w")
                found.add(w_start, w_end, 0.7, True)  # 翼と|海の兄弟: the name listed before
                changed = True
                break
            sep = _LIST_SEPARATOR.match(text[end:end + 4])
            if not sep:
                continue
            nxt = end + len(sep.group(0))
            span = _word_after(text, nxt)
            if span and not _taken(found, *span) and _listed_with(text[span[0]:span[1]], text[_start:end]):
                found.add(span[0], span[1], 0.7, True)
                changed = True
                break


def _listed_with(word: str, name: str) -> bool:
    """A word listed next to a name is a name too; a katakana word next to a katakana name even when it
    is also a noun (ハルトとユウキの兄弟)."""
    return is_name_like(word, strong=True) or (
        bool(_KATAKANA.match(word)) and bool(_KATAKANA.match(name)) and len(word) >= 2
        and word not in vocabulary().katakana_not_names and word not in KATAKANA_ROLES)


_NICKNAME_BEFORE = regex.compile(
    r"(?<![\p{Hiragana}\p{Katakana}ー\p{Han}])(?P<w>[\p{Hiragana}][\p{Hiragana}ー]{1,7}|[\p{Katakana}][\p{Katakana}ー]{1,7})"
    r"(?:くん|ちゃん|さん)?こと$")
_REAL_NAME_AFTER = regex.compile(
    r"(?:くん|ちゃん|さん|君)[（(](?P<w>[\p{Han}々]{1,4})(?=[、)）,，])")


def nicknames(found: Candidates) -> None:
    """A nickname before こと and a name (しゅんしゅんこと俊介くん, ゆいぴこと結衣花), and the name in brackets
    after a nickname (あっちゃん（篤志）)."""
    text, vocab = found.text, vocabulary()
    for (start, end), (score, _) in list(found.spans.items()):
        if score < 0.5:
            continue
        m = _NICKNAME_BEFORE.search(text, max(0, start - 14), start)
        if m and not _taken(found, *m.span("w")) and m.group("w") not in vocab.hiragana_not_names:
            found.spans[m.span("w")] = (0.7, True)
        m = _REAL_NAME_AFTER.match(text, end)
        if m and not _taken(found, *m.span("w")) and is_name_like(m.group("w")):
            found.add(m.start("w"), m.end("w"), 0.75, True)


def latin_names(found: Candidates) -> None:
    """Two to four latin words, at least one capitalized (Sato Haruto, SILVA, Ana), and one capitalized
    word right before person context (「Linaの母」「Kentaって呼ばれてる」)."""
    vocab = vocabulary()
    for m in _LATIN_NAME.finditer(found.text):
        words = regex.findall(r"[A-Za-z]+", m.group(0))
        if any(w in vocab.latin_not_names for w in words):
            continue
        if all(w.isupper() for w in words) and not (  # NGUYEN VAN ANの保護者, not PTA SSW
                vocab.after.match(found.text, m.end()) or HONORIFIC.match(found.text[m.end():m.end() + 4])
                or _LATIN_LABEL_BEFORE.search(found.text, max(0, m.start() - 12), m.start())) \
                or any(w in LATIN_ROLES for w in words) or max(len(w) for w in words) < 3:
            continue
        found.spans.setdefault(m.span(), (0.75, True))  # add() keeps kana and kanji only
    for m in _LATIN_SINGLE.finditer(found.text):
        if m.group(0) in vocab.latin_not_names or any(s < m.end() and m.start() < e for s, e in found.spans):
            continue
        if vocab.after.match(found.text, m.end()) or \
                vocab.kin_before.search(found.text[max(0, m.start() - 12):m.start()]):  # 長女Althea, mother of Lucas
            found.spans.setdefault(m.span(), (0.7, True))
    # 「mother of Lucas (grade 2). Lucas will be absent」: every later mention of a latin first name found
    singles = {found.text[s:e] for s, e in found.spans if _LATIN_SINGLE.fullmatch(found.text[s:e])}
    for word in singles:
        for m in regex.finditer(rf"(?<![A-Za-z]){regex.escape(word)}(?![A-Za-z])", found.text):
            if not any(s < m.end() and m.start() < e for s, e in found.spans):
                found.spans[m.span()] = (0.7, True)


_HANGUL_WORD = regex.compile(r"(?<!\p{Hangul})\p{Hangul}{1,4}(?!\p{Hangul})")
_HANGUL_GIVEN_AFTER = regex.compile(r"^[ 　](\p{Hangul}{1,3})(?!\p{Hangul})")


def hangul_names(found: Candidates) -> None:
    """Korean names in Hangul (김민준, 김 지영): in Japanese municipal text a Hangul word of one to four
    syllables is a name unless it is a listed common word (학생, 어머니); a one-syllable surname takes the
    given name after a space."""
    text, not_names = found.text, vocabulary().hangul_not_names
    for m in _HANGUL_WORD.finditer(text):
        start, end = m.span()
        word = m.group(0)
        if word in not_names or _taken(found, start, end):
            continue
        given = _HANGUL_GIVEN_AFTER.match(text[end:end + 5])
        if given and given.group(1) not in not_names and len(word) == 1:
            end += len(given.group(0))
        elif len(word) == 1:
            continue
        found.spans.setdefault((start, end), (0.75, True))  # add() keeps kana and kanji only


_FAMILY_FULL_NAME = regex.compile(
    r"(?P<s>[\p{Han}々]{1,2})[ 　](?P<g>[\p{Han}々]{1,3}|[\p{Katakana}ー]{2,6}|[\p{Hiragana}]{2,4})"
    r"(?=$|[ 　、。,，（()）「」/／:：・]|[はがのもとに]|くん|君|さん|ちゃん|様)")


def family_full_names(found: Candidates) -> None:
    """A full name written with a space right after a family word (父張 強、母李 娜, 祖母山田 ハナ):
    the surname is a listed one (or one kanji) and the given name is name-like."""
    text, vocab = found.text, vocabulary()
    for i in range(1, len(text)):
        if not vocab.family_before.search(text, max(0, i - 6), i):
            continue
        m = _FAMILY_FULL_NAME.match(text, i)
        if m is None or _taken(found, m.start(), m.end()):
            continue
        surname, given = m.group("s"), m.group("g")
        if is_role_word(surname) or is_role_word(given) or given in vocab.kin_words or surname in vocab.kin_words:
            continue
        if not (can_be_surname(surname) or (len(surname) == 1 and surname in vocab.name_kanji)):
            continue
        if not is_name_like(given, strong=True):
            continue
        found.add(m.start(), m.end(), 0.75, True)


# A name in Latin letters with its katakana reading: Tran Van Minh（チャン・ヴァン・ミン）.
_LATIN_WITH_READING = regex.compile(
    r"(?<![A-Za-z])[A-Z][A-Za-z]+(?:[ 　][A-Z][A-Za-z]+){0,3}[ 　]?[（(]"
    r"(?P<reading>[\p{Katakana}ー]{1,10}(?:[・ 　=＝][\p{Katakana}ー]{1,10}){0,4})[)）]")


# A pasted row: 髙木 結月	たかぎ ゆづき	Ｈ２５．１０．８: the reading in the cell after a name cell
_READING_CELL = regex.compile(
    r"(?m)(?:^|(?<=[\t,，|｜]))[ 　]*(?P<n>[\p{Han}々]{1,4}[ 　][\p{Han}々]{1,4})[ 　]*[\t,，|｜][ 　]*"
    r"(?P<r>[\p{Hiragana}ー]{2,8}[ 　][\p{Hiragana}ー]{1,8}|[\p{Katakana}ー]{2,8}[ 　][\p{Katakana}ー]{1,8})[ 　]*(?=[\t,，|｜]|$)")


def reading_names(found: Candidates) -> None:
    """A name with its reading in brackets before an honorific (東海林（しょうじ）さん, 東 陽向（ひがし ひなた）くん),
    or after a name already found (森川 咲希（もりかわ さき）): the reading is the name too."""
    text = found.text
    for m in _WITH_READING.finditer(text):
        start, end = m.span(1)
        honorific = HONORIFIC.match(text[m.end():m.end() + 4]) is not None
        # 野々村 芽衣（ノノムラ メイ）: a spaced family and given name with a spaced reading is a name by itself
        both_split = bool(regex.search(r"[ 　]", m.group(1))) and bool(regex.search(r"[ 　・]", m.group(2)))
        if not honorific and not both_split and not _taken(found, start, end):
            continue
        if len(m.group(2)) < 2:
            continue
        if both_split:
            found.spans[(start, end)] = (0.8, True)
        elif honorific and not _taken(found, start, end):
            found.add(start, end, 0.8, True)
        r_start, r_end = m.span(2)
        inner = [span for span in found.spans if r_start <= span[0] and span[1] <= r_end and span != (r_start, r_end)]
        if inner and not any(s < r_end and r_start < e and not (r_start <= s and e <= r_end) for s, e in found.spans):
            for span in inner:  # 福田 光（ふくだ ひかる）: ひかる found alone, the whole reading is the name
                del found.spans[span]
        if not _taken(found, r_start, r_end) and text[r_start:r_end] not in vocabulary().hiragana_not_names:
            found.spans[(r_start, r_end)] = (0.8, True)
    for m in _READING_CELL.finditer(text):
        r_start, r_end = m.span("r")
        if _taken(found, *m.span("n")) and not _taken(found, r_start, r_end):
            found.spans[(r_start, r_end)] = (0.8, True)
    for m in _LATIN_WITH_READING.finditer(text):
        r_start, r_end = m.span("reading")
        latin_end = m.start("reading") - 1
        while text[latin_end - 1] in " 　":
            latin_end -= 1
        multi_part = regex.search(r"[・ 　=＝]", m.group("reading")) is not None
        if any(w in vocabulary().latin_not_names for w in text[m.start():latin_end].split()):
            continue  # Microsoft Teams（マイクロソフト・チームズ）
        if not (multi_part or _taken(found, m.start(), latin_end)):
            continue
        if not _taken(found, m.start(), latin_end):
            found.spans[(m.start(), latin_end)] = (0.8, True)
        if not _taken(found, r_start, r_end):
            found.spans[(r_start, r_end)] = (0.8, True)


_SPACED_HAN = regex.compile(r"^[ 　][\p{Han}々]{1,3}(?=$|[ 　、。,.()（）「」/／:：;；]|[はがのもと]|くん|君|さん|ちゃん|様)")
_SPACED_KATAKANA = regex.compile(r"^[ 　][\p{Katakana}ー]{2,6}(?=$|[ 　、。,.()（）「」/／]|[はがのもと]|くん|君|さん|ちゃん|様)")
_DOTTED_KATAKANA = regex.compile(r"^(?:[・＝= 　][\p{Katakana}ー]{1,10})+")
_HIRAGANA_RUN = regex.compile(r"^[\p{Hiragana}]{1,6}")
_KATAKANA_HEAD = regex.compile(r"(?<![\p{Katakana}ー])(?:[\p{Katakana}ー]{1,10}[・＝=])+$")
_LATIN_HEAD = regex.compile(r"(?<![A-Za-z])(?:[A-Z][A-Za-z]{1,12}[ ,]{1,2}){1,2}$")
_SPACED_HIRAGANA = regex.compile(r"^[ 　][\p{Hiragana}]{2,5}(?=くん|ちゃん|さん|君|様)")
_HAN_RUN = regex.compile(r"^[\p{Han}々]{1,3}(?![\p{Han}々])")


def complete_spans(found: Candidates) -> None:
    """Grow names over the rest of the name: 小田| 悠人, グエン|・ヴァン・アン, しみず|はると."""
    text = found.text
    for (start, end), (score, boosted) in list(found.spans.items()):
        if score < 0.5:
            continue
        word = text[start:end]
        head = None
        if _KATAKANA.match(word[0]):  # ダ・シルバ・|ラファエル, ファン・ヴァン・|トゥアン
            head = _KATAKANA_HEAD.search(text, max(0, start - 30), start)
        elif regex.match(r"[A-Z]", word):  # DELA |CRUZ MARICEL
            head = _LATIN_HEAD.search(text, max(0, start - 30), start)
        if head and not _taken(found, head.start(), start):
            del found.spans[(start, end)]
            start = head.start()
            found.spans[(start, end)] = (score, boosted)
            word = text[start:end]
        new_end = end
        if _HIRAGANA.match(word):
            m = _SPACED_HIRAGANA.match(text[end:end + 10])
            if m:  # やまぐち| たいがくん: a hiragana full name with a space
                new_end = end + len(m.group(0))
        if _HAN.match(word[-1]) and len(word.replace(" ", "").replace("　", "")) <= 3:
            m = _SPACED_HAN.match(text[end:end + 5])
            inside = [(s, e) for (s, e), (sc, _) in found.spans.items()
                      if m and sc >= 0.5 and s < end + len(m.group(0)) and end + 1 < e]
            if m and not is_role_word(m.group(0).strip()) and \
                    all(end + 1 <= s and e <= end + len(m.group(0)) for s, e in inside):
                for span in inside:  # 松田 颯|真: a piece of the given name found alone
                    del found.spans[span]
                new_end = end + len(m.group(0))
            m = _SPACED_KATAKANA.match(text[end:end + 8])
            if new_end == end and m and len(word) <= 2 and can_be_surname(word) and \
                    not _taken(found, end + 1, end + len(m.group(0))) and m.group(0).strip() not in KATAKANA_ROLES:
                new_end = end + len(m.group(0))  # 朴 ジフ, 金 ミンジュン: a katakana given name
        if _KATAKANA.match(word[-1]):
            m = _DOTTED_KATAKANA.match(text[end:end + 30])
            if m:
                new_end = end + len(m.group(0))
        last_part = regex.split(r"[ 　・]", word)[-1]  # さくら・ひま|り: the tagger split the last name
        if last_part and _HIRAGANA.match(last_part) and not HONORIFIC.match(text[end:end + 4]):
            m = _HIRAGANA_RUN.match(text[end:end + 6])
            if m:
                tail = regex.split(r"[のがはをにへで]|たち|だけ", m.group(0))[0]  # ゆうま|たちに
                while tail and _PARTICLE_END.search(tail):
                    tail = tail[:-1]
                new_end = end + len(tail)
        if _HAN.match(word[-1]) and len(word) <= 3 and new_end == end:
            m = _HAN_RUN.match(text[end:end + 4])
            vocab = vocabulary()
            if m and len(m.group(0)) <= 3 and all(ch in vocab.name_kanji for ch in m.group(0)):
                new_end = end + len(m.group(0))  # 髙野|颯真: a given name the tokenizer lacks
        spaced = regex.search(r"[ 　・]([\p{Han}々]{1,2})$", text[start:new_end])
        if spaced:  # 小田 悠|人: the given name after the space, split by the tokenizer
            more = regex.match(r"[\p{Han}々]{1,2}", text[new_end:new_end + 2])
            if more and len(spaced.group(1)) + len(more.group(0)) <= 3:
                new_end += len(more.group(0))
        new_start = start
        if _HAN.match(word[0]) and len(word) <= 2 and HONORIFIC.match(text[new_end:new_end + 4]):
            left = regex.search(r"[\p{Han}々]{1,3}$", text[max(0, start - 3):start])
            if left:  # 羽|叶君, 金城颯|真くん: the first characters of the name
                run = left.group(0)[-(4 - len(word)):]
                if not is_role_word(run) and not is_role_word(run[-2:]) and not is_role_word(run[-1:]):
                    new_start = start - len(run)
        if (new_start, new_end) != (start, end):
            del found.spans[(start, end)]
            found.spans[(new_start, new_end)] = (score, boosted)


_CELL_NAME = regex.compile(r"^[\p{Han}\p{Hiragana}\p{Katakana}ー々・A-Za-z][\p{Han}\p{Hiragana}\p{Katakana}ー々・A-Za-z 　,]{0,24}")


_CLAUSE_SUBJECT = regex.compile(
    r"(?:^|(?<=[。\n「：:、]|(?:今日|昨日|本日|今朝|先週|最近)[、]?))"
    r"([\p{Han}々]{1,2}|[\p{Hiragana}]{2,4}|[\p{Katakana}ー]{2,6})(?=[はが、])")


def clause_subjects(found: Candidates) -> None:
    """A given name that opens a clause, with what a child does a few characters later:
    大地は3日連続で忘れ物, ひかりが37.8℃で早退, さくら、3限から登校."""
    text, vocab = found.text, vocabulary()
    for m in _CLAUSE_SUBJECT.finditer(text):
        start, end = m.span(1)
        word = m.group(1)
        clause = regex.split(r"[。\n]", text[end + 1:end + 21])[0]
        if _taken(found, start, end) or not vocab.clause_actions.search(clause):
            continue
        if start > 0 and text[start - 1] == "、" and not _HAN.match(word):
            continue  # …、七海は翌日から欠席: after a comma, kanji names only
        if word in vocab.hiragana_not_names or word in ROLE_WORDS or word in vocab.kin_words \
                or is_abstract_noun(word) or text[start:end + 1] in vocab.adverb_openers:
            continue
        if _KATAKANA.match(word):  # カイトが休み時間に一人で
            if is_name_like(word, strong=True) and word not in KATAKANA_ROLES:
                found.add(start, end, 0.7, True)
        elif can_be_given_name(word) or (_HIRAGANA.match(word) and is_name_like(word, strong=True)) \
                or (len(word) == 2 and is_name_like(word)):  # 心春、体育を見学: name kanji the dictionary lacks
            found.add(start, end, 0.7, True)


# A parent's message pasted into a record (母LINE「こはる、熱下がりました！…　ミナ」, 父より：「…。根本」): the
# child named where a sentence of it starts, and the sender's name that closes it.
_MESSAGE_BEFORE = regex.compile(
    r"(?:母|父|保護者|祖母|祖父|LINE|ＬＩＮＥ|メール|より|転記|原文|スクショ|送信|翻訳)[^「『」』\n]{0,16}$")
_MESSAGE_CLAUSE = regex.compile(
    r"(?<=[「『。！？!?…、 　✨🙏]|(?:今日|明日|今朝|昨日|朝)は)"
    r"(?:[\p{Hiragana}]{2,5}(?!\p{Hiragana})|[\p{Katakana}ー]{2,6}(?![\p{Katakana}ー])|[\p{Han}々]{1,2}(?![\p{Han}々])"
    r"|[A-Z][a-z]{1,11}(?![A-Za-z]))")
_MESSAGE_PARTICLES = "はがのをにと"
_MESSAGE_FOLLOW = regex.compile(r"^(?:[、,！!]|ママ|パパ)")
_MESSAGE_SENDER = regex.compile(
    r"(?:(?<=[。！？!?… 　✨🙏])|(?<=\.[a-z]{2,3}[ 　]))([\p{Han}々]{1,3}|[\p{Katakana}ー]{2,6})$")
_SENDER_AFTER = regex.compile(r"([\p{Katakana}ー]{2,6}|[\p{Han}々]{1,3})(?=$|[（(。、\s])")
_VERB_KINDS = frozenset({"動詞-一般", "動詞-非自立可能", "助動詞"})
_TIME_AFTER_NAME = regex.compile(r"^(?:今日|明日|昨日|今朝|最近)")


def _message_name(word: str, follow: str) -> bool:
    """Whether a word opening a sentence of a parent's message is the child's name."""
    vocab = vocabulary()
    if word in vocab.hiragana_not_names or word in ROLE_WORDS or word in vocab.kin_words:
        return False
    if _HIRAGANA.match(word):  # そうた, こはる (not in the dictionary), かなで (a verb too), はるか (a name)
        if word.startswith(("お", "ご")) or is_hiragana_kin(word):
            return False
        kinds = dictionary_kinds(word)
        return can_be_given_name(word) or not kinds or (
            kinds <= _VERB_KINDS and bool(_MESSAGE_FOLLOW.match(follow) or follow[:1] in "にの"))
    if _KATAKANA.match(word):  # ケンジの学童, ミナ (a noun too, listed as a person)
        return word not in vocab.katakana_not_names and word not in KATAKANA_ROLES and (
            can_be_given_name(word) or has_person_entry(word) or not dictionary_kinds(word))
    if _HAN.match(word):  # 光の給食費, 凛の件 (listed given names; not 今日, 夫, 元気)
        return can_be_given_name(word) and not is_time_or_counter(word) and not is_abstract_noun(word) \
            and follow[:1] in "はがのをと、"
    return word not in vocab.latin_not_names and word not in LATIN_ROLES and follow[:1] in "はがのをと、,"


def parent_messages(found: Candidates) -> None:
    """Names in a parent's message quoted in a record: the child where a sentence starts (「はるかは元気です」
    「そうた今日遅刻します」「LucasとJulia、…」) and the sender at the end (「…。根本」, 「…」ラン)."""
    text = found.text
    for open_m in regex.finditer(r"[「『]", text):
        if not _MESSAGE_BEFORE.search(text, max(0, open_m.start() - 20), open_m.start()):
            continue
        close = text.find("」" if open_m.group(0) == "「" else "』", open_m.end())
        close = len(text) if close < 0 else close
        body_start = open_m.start()
        for m in _MESSAGE_CLAUSE.finditer(text, body_start, close):
            start, run = m.start(), m.group(0)
            lengths = range(len(run), 1, -1) if _HIRAGANA.match(run) else [len(run)]
            for length in lengths:
                word, end = run[:length], start + length
                follow = text[end:min(close, end + 3)] or text[end:end + 1]
                if _HIRAGANA.match(word):
                    inner = length < len(run)
                    if (inner and run[length] not in _MESSAGE_PARTICLES) or word[-1] in "はがのをに" \
                            or length > 4 or (not inner and not (
                                _MESSAGE_FOLLOW.match(follow) or _TIME_AFTER_NAME.match(follow)
                                or (_HAN.match(follow[:1]) and can_be_given_name(word)))):
                        continue  # たくみ起きません, そうた今日遅刻: not いつもお世話
                if _taken(found, start, end) or not _message_name(word, follow):
                    continue
                found.add(start, end, 0.7, True) if not regex.match(r"[A-Za-z]", word) \
                    else found.spans.setdefault((start, end), (0.7, True))
                other = regex.match(r"と([A-Z][a-z]{1,11})(?![A-Za-z])", text[end:close])  # LucasとJulia
                if other and other.group(1) not in vocabulary().latin_not_names:
                    found.spans.setdefault((end + 1, end + 1 + len(other.group(1))), (0.7, True))
                break
        sender = _MESSAGE_SENDER.search(text, body_start + 1, close)
        after = _SENDER_AFTER.match(text, close + 1) if close < len(text) else None
        for sm in (sender, after):
            if sm is None or _taken(found, *sm.span(1)):
                continue
            word = sm.group(1)
            if _HAN.match(word):
                if word in ROLE_WORDS or is_role_word(word) or not can_be_surname(word):
                    continue
            elif word in vocabulary().katakana_not_names or word in KATAKANA_ROLES or not (
                    can_be_given_name(word) or has_person_entry(word) or not dictionary_kinds(word)):
                continue
            found.add(sm.start(1), sm.end(1), 0.7, True)


def table_names(found: Candidates) -> None:
    """Cells of a pasted table under a name column (氏名, ふりがな, 児童 …): 3	松本 心愛	まつもと ここあ."""
    vocab = vocabulary()
    for start, end, header in table_cells(found.text):
        if header not in vocab.name_columns:
            continue
        m = _CELL_NAME.match(found.text[start:end])
        if m is None:
            continue
        value = m.group(0).rstrip(" 　,")
        if not value or value in ROLE_WORDS:
            continue
        end_cell = start + len(value)
        inside = [(s, e) for s, e in found.spans if start <= s and e <= end_cell]
        if inside or not _taken(found, start, end_cell):  # 「よしだ みう」: the whole cell, not only a part found
            for span in inside:
                del found.spans[span]
            found.spans[(start, end_cell)] = (0.85, True)


# A pasted chat log (LINE): 「19:42 みゆき: 明日も休ませます」「19:45\t担任 森田\t承知しました」: the speaker.
_CHAT_SPEAKER = regex.compile(
    r"(?m)^[ 　]*(?:\[[^\]\n]{0,10}\][ 　]*)?[0-9０-９]{1,2}[:：][0-9０-９]{2}[ 　\t]+"
    r"(?:[^\s:：\t]{1,8}[ 　])?(?P<name>[\p{Han}々\p{Hiragana}\p{Katakana}ー]{1,8})[ 　]*(?:[:：]|\t)")
# A name in brackets after the word for the child or a family member, or after a surname word:
# 本児（りく）, 母（アヤ）, 新姓の中島, 旧姓は東.
_NAME_AFTER_SELF = regex.compile(
    r"(?:本児|本人|対象児|長男|長女|次男|次女|母|父|上の子|下の子|兄|姉|弟|妹)[（(]"
    r"(?:(?:[小中高][1-6１-６]|年[少中長]|[0-9０-９]{1,2}歳)[・、,，][ 　]?)?"  # 上の子（中1・拓海）
    r"(?P<name>[\p{Han}々\p{Hiragana}\p{Katakana}ー]{1,8})[)）]"
    r"|(?:新姓|旧姓|姓)(?:の|は|が|:|：)[ 　]?(?P<name2>[\p{Han}々]{1,3})(?![\p{Han}々])")


# An attendance list of minutes: 「出席：担任 中村、SSW 藤井、子ども家庭センター 西川」: the word after each role.
_ATTENDANCE = regex.compile(r"(?m)(?:出席者?|参加者?|同席者?|欠席者|参集者)[ 　]*[:：](?P<list>[^\n。]*)")
_ATTENDEE = regex.compile(r"[^\s、,，・/／]+[ 　]+(?P<name>[\p{Han}々]{1,4})(?=[ 　]*(?:[、,，・/／（(]|$))")


def attendance_names(found: Candidates) -> None:
    """Names after their roles or offices in an attendance list (see _ATTENDANCE)."""
    text = found.text
    for m in _ATTENDANCE.finditer(text):
        offset = m.start("list")
        for a in _ATTENDEE.finditer(m.group("list")):
            word = a.group("name")
            start, end = offset + a.start("name"), offset + a.end("name")
            if is_role_word(word) or ORG_TAIL.search(word) or not (can_be_surname(word) or has_person_entry(word)):
                continue
            if not _taken(found, start, end):
                found.spans[(start, end)] = (0.8, True)


def chat_speakers(found: Candidates) -> None:
    """Speakers of a pasted chat log (see _CHAT_SPEAKER)."""
    for m in _CHAT_SPEAKER.finditer(found.text):
        start, end = m.span("name")
        if is_name_like(m.group("name")) and not _taken(found, start, end):
            found.spans[(start, end)] = (0.8, True)


# 「宮本 10:05 14時以降なら」 (a speaker, then the time), [m.kobayashi] / kobayashi.m: / @kondo (a chat handle or a mention)
_SPEAKER_THEN_TIME = regex.compile(
    r"(?m)^[ 　]*(?P<name>[\p{Han}々]{1,4}|\p{Hiragana}{2,6}|[\p{Katakana}ー]{2,8})[ 　]+[0-9０-９]{1,2}[:：][0-9０-９]{2}(?=[ 　\t]|$)")
_HANDLE = regex.compile(
    r"(?m)^[ 　]*\[(?P<a>[a-z]{1,12}(?:[._][a-z]{1,12})+)\]|^[ 　]*(?P<b>[a-z]{1,12}(?:[._][a-z]{1,12})+)[ 　]*[:：]"
    r"|(?<![A-Za-z0-9._%+\-])@(?P<c>[A-Za-z][A-Za-z0-9_]{1,15}(?:[.][A-Za-z0-9_]{1,15})?)(?![A-Za-z0-9@])")


def chat_handles(found: Candidates) -> None:
    """Speakers written before the time or opening a line, and latin chat handles (see _HANDLE)."""
    text = found.text
    for m in _SPEAKER_THEN_TIME.finditer(text):
        start, end = m.span("name")
        if is_name_like(m.group("name")) and not _taken(found, start, end):
            found.spans[(start, end)] = (0.8, True)
    for m in _HANDLE.finditer(text):
        group = "a" if m.group("a") else "b" if m.group("b") else "c"
        start, end = m.span(group)
        if m.group(group) in vocabulary().latin_not_names or _taken(found, start, end):
            continue
        found.spans[(start, end)] = (0.75, True)


def self_word_names(found: Candidates) -> None:
    """Names right after 本児（…）, 母（…） or 新姓の/旧姓は (see _NAME_AFTER_SELF): strong context, so any kana
    nickname that is no listed common word (りく) counts."""
    vocab = vocabulary()
    for m in _NAME_AFTER_SELF.finditer(found.text):
        group = "name" if m.group("name") else "name2"
        start, end = m.span(group)
        word = m.group(group)
        nickname = (regex.fullmatch(r"[\p{Hiragana}\p{Katakana}ー]{2,}", word) is not None and word not in vocab.hiragana_not_names
                    and word not in vocab.katakana_not_names and word not in KATAKANA_ROLES)
        if (nickname or is_name_like(word, strong=True)) and not _taken(found, start, end):
            found.spans[(start, end)] = (0.8, True)


_FAMILY = regex.compile(r"(?<![\p{Han}々])([\p{Han}々]{1,3})家(?=[のはがでにへもを、])")
_TEACHER_T = regex.compile(r"(?<![\p{Han}々])([\p{Han}々]{1,3})T(?![A-Za-z0-9])")
_HAN_RUN_BEFORE_SPACE = regex.compile(r"(?<![\p{Han}々])([\p{Han}々]{1,5})[ 　]$")


def surname_forms(found: Candidates) -> None:
    """Surnames in forms that the tagger splits or leaves as nouns: 森本家の長男 (森|本家), 西田Tに確認
    (T for 先生 in school notes)."""
    text = found.text
    for rx in (_FAMILY, _TEACHER_T):
        for m in rx.finditer(text):
            word = m.group(1)
            if _taken(found, *m.span(1)) or not can_be_surname(word):
                continue
            if rx is _FAMILY and (lexical_kind(word + "家") == "noun" or (
                    dictionary_kinds(word + "家") and lexical_kind(word + "家") != "name")):
                continue  # 実家, 本家, 農家; 吉野家 (a shop's name)
            found.add(m.start(1), m.end(1), 0.75, True)


def spaced_surnames(found: Candidates) -> None:
    """The surname before a space when a given name was found after it: 母川口 麻衣さん, 担任の|小田 悠人."""
    text, vocab = found.text, vocabulary()
    for (start, end), (score, boosted) in list(found.spans.items()):
        if score < 0.5 or start < 2 or text[start - 1] not in " 　" or not _HAN.match(text[start]) \
                or end - start > 3:
            continue
        m = _HAN_RUN_BEFORE_SPACE.search(text, max(0, start - 7), start)
        if m is None or _taken(found, m.start(1), m.end(1)):
            continue
        run = m.group(1)
        word = text[start:end]
        if can_be_surname(word) and not can_be_given_name(word):
            continue  # 対象児童　田村: the span is a surname already
        for k in range(min(3, len(run)), 0, -1):
            surname, rest = run[-k:], run[:-k]
            if rest and lexical_kind(run[-k - 1:]) == "noun":
                continue  # 児童: the surname candidate is the end of a word
            if can_be_surname(surname) and (not rest or rest in ROLE_WORDS or rest in vocab.kin_words
                                            or is_role_word(rest)):
                del found.spans[(start, end)]
                found.spans[(m.end(1) - k, end)] = (score, boosted)
                break


def merge_adjacent(found: Candidates) -> None:
    """Two names separated only by a space or a middle dot are one name (德永| |芽生)."""
    spans = sorted((s, e) for (s, e), (score, _) in found.spans.items() if score >= 0.5)
    text = found.text
    for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
        if s2 == e1 + 1 and text[e1] in " 　・" and (s1, e1) in found.spans and (s2, e2) in found.spans:
            score = max(found.spans[(s1, e1)][0], found.spans[(s2, e2)][0])
            del found.spans[(s1, e1)], found.spans[(s2, e2)]
            found.spans[(s1, e2)] = (score, True)


_TO_TAIL = regex.compile(r"^と(?=$|[がはのもをにへでと、。・,，.\s「」()（）]|くん|君|さん|ちゃん|様)")


def kana_to_tails(found: Candidates) -> None:
    """A name ending in kana goes on over と before a particle: 佐藤ゆい|とが欠席 is ゆいと (はると,
    かいと); masking the と with it leaves no character of the name visible either way."""
    text = found.text
    for (start, end), (score, boosted) in list(found.spans.items()):
        if score >= 0.5 and end - start >= 2 and regex.match(r"[\p{Hiragana}\p{Katakana}]", text[end - 1]) \
                and _TO_TAIL.match(text[end:end + 4]) and not found.overlaps(end, end + 1):
            del found.spans[(start, end)]
            found.spans[(start, end + 1)] = (score, boosted)


def later_mentions(found: Candidates, given_parts: list[tuple[int, int]]) -> None:
    """Every other occurrence of a found name, or of its given-name or surname part."""
    text = found.text
    names: set[str] = set()
    for (start, end), (score, _) in found.spans.items():
        if score >= 0.5:
            names.add(text[start:end])
            names.update(p for p in regex.split(r"[ 　・,，]+", text[start:end]) if p)
    for start, end in given_parts:
        names.add(text[start:end])
    for name in sorted(names, key=len, reverse=True):
        if len(name) < 2 and not _HAN.match(name):
            continue
        for m in regex.finditer(regex.escape(name), text):
            s, e = m.span()
            if _taken(found, s, e):
                continue
            before, after = text[s - 1:s] if s else "", text[e:e + 1]
            if _HAN.match(name[0]) and before and _HAN.match(before) and \
                    not vocabulary().before_later_mention.search(text[max(0, s - 3):s]):
                continue
            if _HAN.match(name[-1]) and after and _HAN.match(after) and not HONORIFIC.match(text[e:e + 3]):
                continue
            particle_before = before in ("は", "が", "を", "に", "と", "も", "で") and \
                regex.match(r"[\p{Han}\p{Katakana}ー、。「」（）()]", text[s - 2:s - 1] or "。") is not None
            if _HIRAGANA.match(name) and ((before and _HIRAGANA.match(before) and not particle_before) or
                                          (after and _HIRAGANA.match(after) and after not in "がはをにともへでのく"
                                           and text[e:e + 2] not in ("だけ", "たち", "から", "まで", "より"))):
                continue
            if _KATAKANA.match(name) and ((before and _KATAKANA.match(before))
                                          or (after and _KATAKANA.match(after))):
                continue
            if len(name) == 1 and not regex.match(r"^(?:[がはのともにをへ、（(:：]|くん|ちゃん|さん)", text[e:e + 3]):
                continue
            if org_after(text, e):
                continue
            found.add(s, e, 0.8, True)


# A form field of a name (児童名：増田 りく, 保護者名：増田 恵美　続柄：母): the value runs to the end of the field.
_FORM_FIELD = regex.compile(r"(?m)(?P<label>[\p{Han}\p{Hiragana}\p{Katakana}ー]{1,6})[ 　]*[:：][ 　]*(?P<value>[^\n:：]{1,24})")
_GIVEN_AFTER_SPACE = regex.compile(r"[ 　](?P<given>[\p{Hiragana}\p{Katakana}ー\p{Han}々]{1,5})(?=$|[ 　]*(?:[、,，（(]|[ 　][^\s:：]{1,8}[:：]))")


def form_field_names(found: Candidates) -> None:
    """The given name after a surname already found in a name field: 「児童名：増田 りく」 masks りく too."""
    text, vocab = found.text, vocabulary()
    for m in _FORM_FIELD.finditer(text):
        if m.group("label") not in vocab.name_columns:
            continue
        start = m.start("value")
        span = next(((s, e) for s, e in found.spans if s == start), None)
        if span is None:
            continue
        value_end = m.end("value")
        given = _GIVEN_AFTER_SPACE.match(text[: value_end], span[1])
        if given is None or given.group("given") in ROLE_WORDS:
            continue
        score = found.spans.pop(span)
        found.spans[(start, given.end())] = score


# 「hina oonishi（大西 陽菜）」: a romanized reading right before a name in brackets.
_LATIN_BEFORE_BRACKET = regex.compile(r"(?<![A-Za-z])[A-Za-z]{2,15}(?: [A-Za-z]{2,15}){0,2}[ 　]?$")


def readings_before_names(found: Candidates) -> None:
    """A latin reading written right before a name found in brackets is that person's name too."""
    text = found.text
    for s, e in list(found.spans):
        if s == 0 or text[s - 1] not in "（(" or text[e:e + 1] not in "）)" or not regex.search(r"[\p{Han}\p{Hiragana}\p{Katakana}]", text[s:e]):
            continue  # the name in brackets is written in Japanese (hina oonishi（大西 陽菜）), not an English aside
        m = _LATIN_BEFORE_BRACKET.search(text, 0, s - 1)
        if m is None or any(w in vocabulary().latin_not_names for w in m.group(0).split()):
            continue
        start, end = m.start(), m.end() - (1 if m.group(0).endswith((" ", "　")) else 0)
        if not _taken(found, start, end):
            found.spans[(start, end)] = (0.8, True)
