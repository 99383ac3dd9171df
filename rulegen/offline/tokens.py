"""SudachiPy tokens and the catalog's phrase index (item names and synonyms as token sequences)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from engine.catalog import Catalog

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


_MONTH_WORDS = re.compile(r"[ヶケカヵ箇]月|かげつ|ヵ月|ケ月")
_WAVE = re.compile(r"[~～〜―-]")
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A kanji numeral before a unit, not inside a word (一人親), but after 直近/過去/計 (直近二年間).
_KANJI_NUM = re.compile(r"(?:(?<![一-龥])|(?<=直近)|(?<=過去)|(?<=合計)|(?<=計)|(?<=毎月)|(?<=年間)|(?<=月間)|(?<=年度)|(?<=中学)|(?<=小学)|(?<=合計で)|(?<=以上)|(?<=以下)|(?<=未満)|(?<=超))([一二三四五六七八九]?百|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])(?=回|件|日|か月|年|歳|点|人|度|週|つ|個)")


def _kanji_number(m: re.Match[str]) -> str:
    s = m.group(1)
    if s.endswith("百"):
        return str((_KANJI_DIGITS[s[0]] if len(s) == 2 else 1) * 100)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return str((_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0))
    return str(_KANJI_DIGITS[s])


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """NFKC, no spaces, one spelling for months and ranges, kanji numerals before units as digits (a pure
    function of the text, cached: the parser normalizes the catalog's names again and again)."""
    t = unicodedata.normalize("NFKC", text)
    # list markers of 要綱-style items between spaces: 「…児童 ア 乳幼児健診… イ …」「一 ひとり親世帯であること 二 …」
    t = re.sub(r"(?:(?<=[\s。:])|^)(?:[一二三四五六七八九十]|[アイウエオカキクケコ])\s+(?=\S)", "、", t)
    t = re.sub(r"\s+", "", t)
    t = _MONTH_WORDS.sub("か月", t)
    t = t.replace("半年", "6か月").replace("一年", "1年").replace("ひと月", "1か月")
    t = _WAVE.sub("〜", t)
    t = _KANJI_NUM.sub(_kanji_number, t)
    t = re.sub(r"(?<=\d)才", "歳", t)  # 3才 -> 3歳
    t = re.sub(r"(?<=\d)さい(?!ん)", "歳", re.sub(r"(?<=\d)てん", "点", t))  # hurried kana: 3さい未満, 9てん以上
    t = re.sub(r"(?<=\d)歳半", "歳6か月", t)  # 1歳半健診 -> 1歳6か月健診
    t = re.sub(r"(?<=\d)(か月|年|日|回)分(?=以上|以下|未満|超|を超|より|に満た|の|が|を|は)", r"\1", t)  # 6か月分以上 -> 6か月以上
    t = re.sub(r"満(?=\d+歳)", "", t)  # 満3歳 -> 3歳
    t = t.replace("における", "の").replace("において", "で")  # formal particles (直近1年間における欠席)
    t = re.sub(r"(?<=\d)(か月|年間|年)のうち、?", r"\1で", t)  # 直近6か月のうち、欠席が… -> 直近6か月で欠席が…
    t = re.sub(r"(?:が|は)?(?:ゼロ|0件|0回)(?:では|で)ない", "が1回以上", t)  # 通告がゼロではない -> 通告が1回以上
    t = re.sub(r"(?:時期|期間)(?:を|は)問(?:わない|わず|いません)", "全期間", t)  # (時期を問わない) -> the whole record
    t = t.replace("去年度", "昨年度")
    t = re.sub(r"ご(?=相談|家庭|世帯)", "", t).replace("お母様", "母").replace("お父様", "父")  # polite prefixes
    t = re.sub(r"(けが|ケガ|怪我)の手当て", r"\1", t)  # 保健室でけがの手当てを受けた: the visit for an injury, no allowance  # 去年度、保育園を… -> 昨年度
    t = re.sub(r"今年の(?=\d{1,2}月(?:以降|から|以後))", "", t)  # 今年の4月以降 -> 4月以降 (this year's)
    t = re.sub(r"(毎月|各月)欠かさず", r"\1", t)  # 毎月欠かさず5日以上 -> 毎月5日以上
    t = re.sub(r"住民基本台帳(?:の記録)?上(?:は|で|、)?|住基上(?:は|で|、)?", "", t)  # where the record is kept, no condition
    t = re.sub(r"(先月|今月|前月)\((?:\d{1,2})月\)", r"\1", t)  # 先月（10月）: the month restated
    # 転入してきて1年たっていない: a move-in within the last year
    t = re.sub(r"転入(?:して(?:きて)?|後|から)(\d+)(年|か月)(?:たっていない|経っていない|たってない|経ってない|たたない|経たない|未満|以内)", r"直近\1\2以内に転入", t)
    t = re.sub(r"保護者\((?:世帯主|父母|父又は母|父または母|両親|親権者)[^()]{0,14}\)", "保護者", t)  # 保護者（世帯主又はその配偶者）
    t = re.sub(r"(?<=\d)(日|回|件|か月|人|歳|点)?(いじょう|いか(?![なずがけ])|みまん)", lambda m: (m.group(1) or "") + {"いじょう": "以上", "いか": "以下", "みまん": "未満"}[m.group(2)], t)
    t = t.replace("くりかえ", "繰り返").replace("保護者の方", "保護者")
    t = re.sub(r"未就園児", "就園していない児", t)  # 未就園児: not in a nursery
    t = re.sub(r"未就園", "就園していない未就学児", t)  # 非課税&ひとり親&未就園: a child of preschool age, not in a nursery
    t = re.sub(r"(乳児|新生児)\(0歳\)", r"\1", t)  # 乳児（0歳）: the age restated
    t = re.sub(r"(?<!\d)(\d{1,2})歳(?:・|と)(\d{1,2})歳", lambda m: f"{m.group(1)}〜{m.group(2)}歳" if int(m.group(2)) == int(m.group(1)) + 1 else m.group(0), t)
    # 生保×・就援○ (a busy person's marks after an item word): no / yes; 通告歴2回↑: 以上
    t = re.sub(r"(?<=[一-龥ァ-ヴー])[×✕✖](?=[・、,/＋+&)]|$)", "なし", t)
    t = re.sub(r"(?<=[一-龥ァ-ヴー])[×✕✖](?=[一-龥ァ-ヴーぁ-ん])", "かつ", t)  # 放デイ利用×ひとり親: the two together
    t = re.sub(r"(?<=[一-龥ァ-ヴー])[○◯〇](?=[・、,/＋+&)]|$)", "あり", t)
    t = re.sub(r"(?<=\d)(日|回|件|か月|人|歳|点|つ)?↑", r"\1以上", t)
    t = re.sub(r"(?<=\d)(日|回|件|か月|人|歳|点|つ)?↓", r"\1以下", t)
    t = t.replace("要対協外", "要対協に登録されていない")
    t = re.sub(r"(?<=未|歴)×(\d+)", r"\1回以上", t)  # 乳健未×2: missed twice or more
    t = re.sub(r"(身体の)?(?:あざ|アザ)(?:や|と|・)(?:傷|キズ)(?:を|の)?確認", r"\1あざ・傷の確認", t)  # one kind of nurse visit
    t = re.sub(r"(?<![\d一-龥])(?:10|十)代", "10〜19歳", t)  # 保護者が十代
    t = re.sub(r"(両方|どちらも|いずれも)(?:とも)?(?:が)?未(受診|接種)", r"\1受けていない", t)  # 両方とも未受診
    t = re.sub(r"が(\d+)つでも(?:漏れ|抜け)(?:ている|てる)", r"を\1つ以上受けていない", t)  # 予防接種が1つでも漏れている
    t = re.sub(r"(?:夏休み|冬休み|春休み|長期休み|長期休業)明けの?(?=\S)", "", t)  # 夏休み明けの令和8年9月: the month says it
    t = re.sub(r"(今年度|本年度)の(?=\d{1,2}月から\d{1,2}月)", "", t)  # 今年度の4月から9月まで
    t = t.replace("どの月も", "各月とも").replace("現況届出して", "現況届を出して")
    t = re.sub(r"(?<=[しけっ出来え])てない", "ていない", t)  # 出してない, 受けてない: the spoken short form
    t = re.sub(r"年齢(?:が|は|:|=)?(\d{1,2})〜(\d{1,2})(?!\d|歳|か月|日|回|件|点|人)", r"年齢\1〜\2歳", t)  # 年齢 5〜9 (column style)
    # 子どもが3人以上いる世帯（本人を含めて）: the child and two or more brothers and sisters
    t = re.sub(r"(?:子ども|こども|子供|児童)が(\d+)人以上(?:いる)?(世帯|家庭)\((?:本人|本児)(?:を|も)?含(?:めて|む|め)\)",
               lambda m: f"きょうだいが{int(m.group(1)) - 1}人以上の{m.group(2)}", t)
    t = re.sub(r"\(面前DV(?:を|も)?含(?:む|め|みます)\)", "", t)  # 心理的虐待（面前DV含む）: 面前DV is 心理的虐待
    t = re.sub(r"要対協(?:に|には|へは|へ)?未登録", "要対協に登録されていない", t)
    t = t.replace("こんにちわ", "こんにちは")  # こんにちわ赤ちゃん: the common misspelling
    t = re.sub(r"(?<=[歴録])有(?![無効])", "あり", re.sub(r"(?<=[歴録])無(?![効])", "なし", t))  # 相談歴有, 通告歴無
    t = re.sub(r"(?<![\d(])\((\d{1,2})\)(?=\D)", "、", t)  # list numbers 「(1)一時保護歴がある (2)…」
    return t


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
