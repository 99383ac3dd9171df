"""Street addresses: 都道府県・市区町村・町名 followed by 丁目・番地・号 or 1-2-3 forms.

A block number (一丁目2番3号, 3丁目5-1, 4丁3-2, 123番地の4, 府中町1-2-3) anchors the match; the place
name before it is taken back to the previous particle or punctuation, and a building name with a
room number after it is included. A city name alone (「和泉市在住」) is not an address.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DASH, near

_NUM = r"(?:[0-9０-９]{1,4}|[〇一二三四五六七八九十百]{1,4})"
_ANUM = r"(?:[1-9１-９][0-9０-９]{0,3})"
_BLOCK_PATTERNS = [
    # 一丁目2番3号 / 1丁目2-3 / 3丁目 / 二丁目5番地
    rf"{_NUM}丁目?(?:{_NUM}(?:番地?|{DASH}|の))?(?:{_NUM}(?:号|番地?)?)?",
    # 123番地の4 / 5番地 / 12番3号 / 12番地3
    rf"{_NUM}番地?(?:の?{_NUM}号?)?(?=.)|{_NUM}番地",
    # 1-2-3 / 12-3 / 123の4 (place name required before it)
    rf"(?<![0-9０-９A-Za-z.．/／{DASH}]){_ANUM}(?:{DASH}|の){_ANUM}(?:(?:{DASH}|の){_ANUM})?(?![0-9０-９./／{DASH}])",
]
_PLACE_CHAR = r"[\p{Han}\p{Katakana}ー々ヶヵケ〇]"
_PLACE_RUN = regex.compile(rf"{_PLACE_CHAR}{{1,24}}$")
_PLACE_SUFFIX = regex.compile(
    r"(?:[都道府県市区町村郡]|丁目|条|通|台|丘|岡|野|園|原|谷|川|山|田|島|浜|沢|坂|橋|崎|宮|井|里|"
    r"林|森|木|池|江|津|瀬|尾|口|寺|新|東|西|南|北|中|上|下|本|畑|内|外|戸|屋|城|町目)$")
_HAS_MUNICIPALITY = regex.compile(r"(?:北海道|東京都|京都府|大阪府|\p{Han}{2,3}県|\p{Han}+[市区町村郡])")
_NOT_PLACE_PREFIX = regex.compile(r"^(?:現住所|旧住所|住所地|住所|居所|自宅|実家|転居先|転出先|所在地|本籍地|本籍)")
_BUILDING = regex.compile(
    rf"^[ 　]?(?:[\p{{Han}}\p{{Katakana}}ー・]{{1,15}}[ 　]?)?[0-9０-９]{{1,4}}(?:号室|号|{DASH}?[0-9０-９]{{0,3}}号室)"
    rf"|^[ 　]?[\p{{Katakana}}ー・]{{0,10}}(?:ハイツ|コーポ|マンション|アパート|メゾン|レジデンス|ハウス|"
    rf"コート|パレス|ヴィラ|ビル)[\p{{Katakana}}ー・\p{{Han}}]{{0,8}}"
    rf"|^[ 　]?[\p{{Han}}\p{{Katakana}}ー]{{1,8}}(?:荘|団地|住宅|寮)(?:[0-9０-９]{{1,3}}(?:棟|号棟))?")
_NOT_ADDRESS_BEFORE = regex.compile(r"(?:第|法|条|項|号|欠席|遅刻|点|歳|年|月|日|回|人|件|組|年生)$")
_CONTEXT_WORDS = ("住所", "在住", "住む", "住ん", "転居", "転入", "居住", "自宅", "方")


class AddressRecognizer(JaRegexRecognizer):
    ENTITY = "ADDRESS"
    PATTERNS = _BLOCK_PATTERNS
    CONTEXT = ["住所", "在住", "居所", "転居", "転入", "自宅"]

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = []
        for index, rx in enumerate(self._regexes):
            for m in rx.finditer(text):
                found = self._expand(text, m.start(), m.end(), dashed=index == 2)
                if found is None:
                    continue
                start, end, score = found
                if any(r.start <= start and end <= r.end for r in results):
                    continue
                results = [r for r in results if not (start <= r.start and r.end <= end)]
                boosted = near(text, start, end, _CONTEXT_WORDS, before=8, after=6)
                results.append(self.result(start, end, min(1.0, score + (0.1 if boosted else 0)),
                                           boosted))
        return results

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        found = self._expand(text, start, end, dashed=False)
        return None if found is None else (found[2], False)

    def _expand(self, text: str, start: int, end: int, dashed: bool) -> tuple[int, int, float] | None:
        """Grow a block-number match to the place name before it and the building after it."""
        run = _PLACE_RUN.search(text[max(0, start - 24):start])
        place = run.group(0) if run else ""
        prefix = _NOT_PLACE_PREFIX.match(place)
        if prefix:
            place = place[prefix.end():]
        if place and _NOT_ADDRESS_BEFORE.search(place) and not _PLACE_SUFFIX.search(place):
            return None
        if dashed:
            if len(place) < 2 or not (_PLACE_SUFFIX.search(place) or _HAS_MUNICIPALITY.search(place)):
                return None
            score = 0.8
        else:
            block = text[start:end]
            if not place and not regex.search("[号番]", block):
                return None
            if not place and "丁目" not in block and "番地" not in block:
                return None
            if "丁" in block and "丁目" not in block and not (
                    _PLACE_SUFFIX.search(place) or _HAS_MUNICIPALITY.search(place)):
                return None  # 4丁3-2 (堺市) only after a place name
            score = 0.85 if place else 0.6
        new_start = start - len(place)
        building = _BUILDING.match(text[end:end + 30])
        new_end = end + (len(building.group(0).rstrip(" 　")) if building else 0)
        return new_start, new_end, score
