"""Student numbers (学籍番号・生徒番号): formats configured per city in `id_formats.yaml`.

Configured patterns (e.g. S-2023-0012) always count; bare digit runs count only next to a
context word such as 学籍番号.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.id_formats import (
    LISTED_ID,
    NOT_ONE_ID_AFTER,
    StudentNumberFormat,
    labeled_id_regex,
    load_id_formats,
)
from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import (
    NOT_ALNUM_AFTER,
    NOT_ALNUM_BEFORE,
    digits_only,
    near,
    normalize,
    table_cells,
)

# An absence list or a nurse's log (240517 堀 蒼空 2-3 病欠, 3限　22-2-14 小野寺 海斗): a number right before a
# spaced full name is that child's number when the text is about school attendance.
_ID_BEFORE_NAME = regex.compile(
    r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ\-－.．])(?P<v>[0-9０-９]{5,8}|[0-9０-９]{2}[\-－][0-9０-９]{1,2}[\-－][0-9０-９]{1,3})"
    r"[ 　]+(?=[\p{Han}々]{1,4}[ 　][\p{Han}々\p{Hiragana}\p{Katakana}ー]{1,4}(?:[ 　／/、,，\t]|$))")
_SCHOOL_RECORD = regex.compile(r"欠席|遅刻|早退|出席|保健室|来室|登校|[0-9０-９]限|学級|クラス|児童|生徒|[1-6１-６]年[0-9０-９]組")
_CELL_ID = regex.compile(r"^[A-Za-zＡ-Ｚａ-ｚ0-9０-９][A-Za-zＡ-Ｚａ-ｚ0-9０-９\-－_]{0,20}$")


class StudentNumberRecognizer(JaRegexRecognizer):
    ENTITY = "STUDENT_NUMBER"
    PATTERNS = []

    def __init__(self, fmt: StudentNumberFormat | None = None) -> None:
        self.format = fmt or load_id_formats().student
        self._configured = [regex.compile(rf"^(?:{p})$") for p in self.format.patterns]
        # Candidates: runs of letters, digits and dashes; the configured patterns decide.
        patterns = [rf"{NOT_ALNUM_BEFORE}[A-Za-zＡ-Ｚａ-ｚ0-9０-９][A-Za-zＡ-Ｚａ-ｚ0-9０-９\-‐－]{{2,30}}{NOT_ALNUM_AFTER}"]
        context = sorted(set(self.format.context) | {"学籍", "生徒"})
        super().__init__(patterns=patterns, context=context)
        self._labeled = labeled_id_regex(self.format.labels)
        self._seats = [regex.compile(p) for p in self.format.seat_patterns]

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        if self._labeled is not None:
            for m in self._labeled.finditer(text):
                start, end = m.span("v")
                if NOT_ONE_ID_AFTER.match(text[end:end + 6]):
                    continue
                if text[end:end + 1] == "番":
                    end += 1  # 出席番号12番: the whole number is masked
                results.append(self.result(start, end, 0.9, True))
                while (more := LISTED_ID.match(text, end)) is not None:  # …の2023-0456と2023-0457
                    start, end = more.span("v")
                    results.append(self.result(start, end, 0.85, True))
        for rx in self._seats:
            for m in rx.finditer(text):
                if not NOT_ONE_ID_AFTER.match(text[m.end():m.end() + 6]):
                    results.append(self.result(m.start(), m.end(), 0.85, True))
        if _SCHOOL_RECORD.search(text):
            for m in _ID_BEFORE_NAME.finditer(text):
                start, end = m.span("v")
                results.append(self.result(start, end, 0.8, True))
        # a pasted table: 2024-1107 under 学籍番号, 14 under 出席番号
        columns = set(self.format.labels) | set(self.format.context)
        cells = table_cells(text)
        if any(header in self.format.name_columns for _, _, header in cells):
            columns |= set(self.format.seat_columns)  # 番号	氏名 / 3	青木 葵: the seat number of a named child
        for start, end, header in cells:
            if header in columns and _CELL_ID.match(text[start:end]) and regex.search("[0-9０-９]", text[start:end]):
                results.append(self.result(start, end, 0.9, True))
        return results

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        raw = text[start:end]
        value = normalize(raw)
        has_context = near(text, start, end, self.format.context, before=14, after=6)
        if any(rx.match(value) for rx in self._configured):
            return (1.0, True) if has_context else (0.85, False)
        if value.isdigit() and len(digits_only(raw)) in self.format.digit_counts_with_context:
            return (0.85, True) if has_context else None
        return None
