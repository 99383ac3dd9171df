"""Column-style criteria (「欠席日数(年度累計)>=30 AND 生活保護=有」) rewritten into the phrasing the parser reads.

A data-minded writer names items like columns and joins comparisons with AND/OR/NOT and brackets. This
module reads that structure only: comparison operators (>=, ≧, <, =有, =0, in, between), AND/OR/NOT and
round brackets; each comparison becomes 「<item words>が30以上」, 「<item words>なし」, and the boolean
structure becomes the parser's own connectives (「、かつ」「または」, OR binding tighter). The item words
themselves are left as written, so items still come only from item words (a partial match is asked).
Where the structure cannot be said by the rule language ((A AND B) OR C) or does not parse, a problem
is returned instead of a rewrite. Vocabulary: lexicon.yaml ``column_style``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.catalog import Catalog, CatalogItem
from rulegen.offline.tokens import PhraseIndex, normalize, run_keys, tokenize

_OPS = {">=": "以上", "=>": "以上", "≧": "以上", "≥": "以上", "⩾": "以上", "<=": "以下", "=<": "以下", "≦": "以下", "≤": "以下",
        "⩽": "以下", ">": "超", "<": "未満", "!=": "≠", "<>": "≠", "≠": "≠", "==": "=", "=": "="}
_OP_RE = re.compile(r">=|=>|<=|=<|!=|<>|==|[≧≥⩾≦≤⩽≠><=]|(?<![A-Za-z])(?:in|IN|In)(?![A-Za-z])|(?<![A-Za-z])(?:between|BETWEEN|Between)(?![A-Za-z])")
_KEYWORDS = re.compile(r"(?<![A-Za-z])(AND|OR|NOT|and|or|not|And|Or|Not)(?![A-Za-z])|&&|\|\||(?<=\s)[&|](?=\s)|[()]")
_MARK = re.compile(r">=|=>|<=|=<|[≧≥⩾≦≤⩽≠><=]|(?<![A-Za-z])(?:AND|OR|NOT)(?![A-Za-z])")


@dataclass
class _Lit:
    text: str
    negated: bool = False


@dataclass
class _Node:
    op: str  # "and" | "or" | "not"
    parts: list[Any]


class ColumnStyleError(ValueError):
    pass


def is_column_style(text: str) -> bool:
    """Comparison operators or AND/OR/NOT written as symbols or ASCII words."""
    return _MARK.search(unicodedata.normalize("NFKC", text)) is not None


def _bracketed_logic(src: str, words: dict[str, Any]) -> str | None:
    """「EPDS9点以上 かつ(ひとり親 または 保護者が20歳未満)」「(A かつ B)、または C」: brackets that group conditions
    joined by and/or words, with an and/or word right outside them; the text with those words spaced (so that
    the column lexer reads them), or None."""
    joins = "|".join(map(re.escape, sorted(words.get("and_words", []) + words.get("or_words", []), key=len, reverse=True)))
    if not joins or not re.search(rf"\([^()]*(?:{joins})[^()]*\)", src):
        return None
    if not re.search(rf"(?:{joins})\s*\(|\)\s*[、,]?\s*(?:{joins})", src):
        return None
    src = re.sub(rf"\s*[、,]?\s*({joins})\s*", r" \1 ", src)
    return src


class ColumnReading(NamedTuple):
    """The text in the parser's phrasing (or unchanged), a problem ({code, message, hint}) or None, and notes
    for the reading (how the structure was said)."""

    text: str
    problem: dict[str, str] | None = None
    notes: tuple[str, ...] = ()


def rewrite(text: str, catalog: Catalog, index: PhraseIndex, lex: dict[str, Any]) -> ColumnReading:
    """The text in the parser's phrasing, or the text unchanged and a problem ({code, message, hint})."""
    words = lex.get("column_style", {})
    src = unicodedata.normalize("NFKC", text)
    for a, b in words.get("replace", {}).items():
        src = src.replace(a, b)
    grouped = _bracketed_logic(src, words)
    if grouped is not None:
        src = grouped
    elif not is_column_style(text):
        return ColumnReading(text)
    src, points = _points(src, words)
    # 「sum(欠席日数, 直近3か月) >= 10」: an aggregate written as a function is its item with a window
    src = re.sub(r"(?<![A-Za-z])(?:sum|count|SUM|COUNT|Sum|Count)\s*\(([^()]*)\)", lambda m: m.group(1).replace(",", " ").replace("、", " "), src)
    # 「年齢 between 0 and 2」: the range's 「and」 is no conjunction
    src = re.sub(r"(?<![A-Za-z])(between|BETWEEN|Between)\s*(\S+?)\s*(?:and|AND|And)\s*(\d+(?:\.\d+)?)", r" between \2〜\3", src)
    reader = _Reader(catalog, index, words, lex.get("code_words", {}))
    reader.grades = frozenset(lex.get("grade_phrases", {}))
    try:
        tree = _parse(_merge_values(_lex_tokens(src, words), reader))
        clauses = _cnf(_push_not(tree, False))
    except ColumnStyleError as err:
        return ColumnReading(text, {"code": "column_structure", "message": str(err), "hint": words.get("structure_hint", "")})
    try:
        out = "、かつ".join("または".join(reader.literal(lit) for lit in clause) for clause in clauses)
    except (ValueError, KeyError, IndexError):  # a form not foreseen: the text as written (the parser reports it)
        return ColumnReading(text)
    repeated = len({id(lit) for clause in clauses for lit in clause}) < sum(map(len, clauses))
    notes = (words.get("distributed_note", "").format(text=text.strip()),) if repeated and words.get("distributed_note") else ()
    return ColumnReading(out + (f"、{points}点" if points is not None else ""), None, notes)


def _points(src: str, words: dict[str, Any]) -> tuple[str, int | None]:
    m = re.search(rf"(?:→|=>|で|:)?\s*(\d+)\s*(?:{'|'.join(map(re.escape, words.get('points_units', ['pt'])))})(?![A-Za-z])", src)
    if m is None:
        return src, None
    return (src[: m.start()] + src[m.end() :]).strip(" 、,"), int(m.group(1))


def _lex_tokens(src: str, words: dict[str, Any]) -> list[tuple[str, str]]:
    """("(", ")", "and", "or", "not", "text") tokens; a bracket right after text is part of that text (a qualifier)."""
    and_words = words.get("and_words", [])
    or_words = words.get("or_words", [])
    extra = "|".join(map(re.escape, sorted(and_words + or_words, key=len, reverse=True)))
    glued = r"(?:(?<=[\d)有無しり])|(?<=TRUE)|(?<=true)|(?<=FALSE)|(?<=false))"  # 「生活保護=有かつ就学援助=有」
    pattern = re.compile(_KEYWORDS.pattern + (f"|(?<=\\s)(?:{extra})(?=\\s)|{glued}(?:{extra})" if extra else "") + r"|[、,](?![^()]*\))")
    out: list[tuple[str, str]] = []
    pos = 0
    depth_text = 0  # open qualifier brackets inside a text token
    buf = ""

    def flush() -> None:
        nonlocal buf
        if buf.strip():
            out.append(("text", buf.strip()))
        buf = ""

    for m in pattern.finditer(src):
        if m.start() < pos:
            continue
        tok = m.group(0)
        buf_before = buf + src[pos : m.start()]
        if depth_text:
            buf = buf_before + tok
            depth_text += {"(": 1, ")": -1}.get(tok, 0)
            pos = m.end()
            continue
        if tok == "(" and buf_before.strip() and not re.search(r"(?:NOT|not|Not)\s*$", buf_before):
            buf = buf_before + tok
            depth_text = 1
            pos = m.end()
            continue
        buf = buf_before
        flush()
        low = tok.lower()
        if tok in ("(", ")"):
            out.append((tok, tok))
        elif low in ("and", "&&", "&") or tok in and_words or tok in ("、", ","):
            out.append(("and", tok))
        elif low in ("or", "||", "|") or tok in or_words:
            out.append(("or", tok))
        else:
            out.append(("not", tok))
        pos = m.end()
    buf += src[pos:]
    if depth_text:
        raise ColumnStyleError("括弧の対応が取れていません。")
    flush()
    return out


def _merge_values(tokens: list[tuple[str, str]], reader: _Reader) -> list[tuple[str, str]]:
    """「学校段階=小学生 or 中学生」「学校段階=小学生or中学生」: bare values after a 「=」 comparison, joined by OR,
    are more values of the same column (「学校段階 in (小学生,中学生)」)."""
    out: list[tuple[str, str]] = []
    values: list[str] = []
    for k, tok in enumerate(tokens):
        prev = out[-1] if out else None
        m = _top_level_op(prev[1]) if prev and prev[0] == "text" else None
        if (tok[0] == "or" and m is not None and m.group(0) == "=" and k + 1 < len(tokens) and tokens[k + 1][0] == "text"
                and _top_level_op(tokens[k + 1][1]) is None and reader.item(tokens[k + 1][1]) is None
                and (k + 2 >= len(tokens) or tokens[k + 2][0] != "(")):
            values.append(tokens[k + 1][1])
            continue
        if values and prev is not None and tok == ("text", values[-1]):
            continue
        if values and prev is not None and m is not None:
            head, first = prev[1][: m.start()], prev[1][m.end() :]
            out[-1] = ("text", f"{head} in ({','.join([first.strip(), *values])})")
            values = []
        out.append(tok)
    if values and out and (m := _top_level_op(out[-1][1])) is not None:
        head, first = out[-1][1][: m.start()], out[-1][1][m.end() :]
        out[-1] = ("text", f"{head} in ({','.join([first.strip(), *values])})")
    return out


def _parse(tokens: list[tuple[str, str]]) -> Any:
    pos = 0

    def peek() -> str | None:
        return tokens[pos][0] if pos < len(tokens) else None

    def expr() -> Any:
        nonlocal pos
        parts = [unary()]
        ops: set[str] = set()
        while peek() in ("and", "or"):
            ops.add(tokens[pos][0])
            pos += 1
            parts.append(unary())
        if len(ops) > 1:
            raise ColumnStyleError("AND と OR が括弧なしで混ざっていて、どちらを先に結ぶか読み取れませんでした。")
        return parts[0] if len(parts) == 1 else _Node(ops.pop(), parts)

    def unary() -> Any:
        nonlocal pos
        if peek() == "not":
            pos += 1
            return _Node("not", [unary()])
        if peek() == "(":
            pos += 1
            inner = expr()
            if peek() != ")":
                raise ColumnStyleError("括弧の対応が取れていません。")
            pos += 1
            return inner
        if peek() == "text":
            pos += 1
            return _Lit(tokens[pos - 1][1])
        raise ColumnStyleError("条件の並びが読み取れませんでした (AND/OR/NOT の前後に条件がありません)。")

    tree = expr()
    if pos != len(tokens):
        raise ColumnStyleError("括弧の対応が取れていません。")
    return tree


def _push_not(node: Any, neg: bool) -> Any:
    if isinstance(node, _Lit):
        return _Lit(node.text, node.negated != neg)
    if node.op == "not":
        return _push_not(node.parts[0], not neg)
    op = node.op if not neg else ("or" if node.op == "and" else "and")
    return _Node(op, [_push_not(p, neg) for p in node.parts])


def _cnf(node: Any) -> list[list[_Lit]]:
    """AND of ORs of literals (what the rule language's all/any nesting of the parser says), else an error."""
    if isinstance(node, _Lit):
        return [[node]]
    if node.op == "and":
        return [clause for p in node.parts for clause in _cnf(p)]
    # 「(A かつ B) または C」 is (A または C) かつ (B または C): distributed, while it stays small
    clauses: list[list[_Lit]] = [[]]
    for p in node.parts:
        clauses = [c + d for c in clauses for d in _cnf(p)]
        if len(clauses) > 4:
            raise ColumnStyleError("「(A AND B) OR C」の形の条件は、まだ1つのルールにできません。")
    return clauses


class _Reader:
    def __init__(self, catalog: Catalog, index: PhraseIndex, words: dict[str, Any], code_words: dict[str, list[Any]]):
        self.catalog, self.index, self.words, self.code_words = catalog, index, words, code_words
        self.grades: frozenset[str] = frozenset()

    def item(self, phrase: str) -> CatalogItem | None:
        """The one catalog item whose name or synonym the words start with (exactly, as the parser's step 1)."""
        toks = [t for t in tokenize(normalize(phrase)) if t.is_content]
        for n in range(len(toks), 0, -1):
            base, surface = run_keys(toks[:n])
            items = self.index.keys.get(base) or self.index.keys.get(surface)
            if items and len(items) == 1:
                return self.catalog[next(iter(items))]
            if items:
                return None
        return None

    def literal(self, lit: _Lit) -> str:
        text = lit.text
        m = _top_level_op(text)
        if m is None:  # 「NOT 要対協登録歴」「健診未受診」: an item word alone
            lhs, op, rhs = text, "", ""
        else:
            lhs, op, rhs = text[: m.start()], m.group(0).lower(), text[m.end() :]
        head = re.split(r"\(", lhs, maxsplit=1)[0].strip()
        item = self.item(head)
        lhs_ja = self.lhs(lhs, item)
        value, rest = _value(rhs)
        neg = lit.negated
        w = self.words
        # 「年齢<=5」 (also after words put before it, 「これまでに年齢<=5」): the children's age, a population filter
        column = next((c for c in sorted(w.get("age_columns", []), key=len, reverse=True) if head.endswith(c)), None)
        population = column is not None and item is None and not any(g in head for g in w.get("guardian_words", []))
        pre = self.lhs(head[: -len(column)], None) if population and column else ""
        if population:
            value = re.sub(r"(?<=\d)[歳才]$", "", value)  # 「年齢>=3歳」
        rest = self.lhs(rest, item) if rest else rest  # 「=有(全保護者)」: a qualifier after the value
        if op == "between":
            b = re.fullmatch(r"\s*(\S+?)\s*(?:and|AND|〜|~|-)\s*(\S+?)\s*", rhs)
            if b is None:
                return text
            unit = "歳" if population else ""
            said = f"{b.group(1)}〜{b.group(2)}{unit}"
            return pre + said if population else f"{lhs_ja}が{said}{'ではない' if neg else ''}"
        if op == "in":
            vals = [v.strip() for v in re.split(r"[,、・]", rhs.strip().strip("()")) if v.strip()]
            stages = [self.stage(v) for v in vals]
            if all(stages) and not neg:
                return "・".join(s for s in stages if s)
            nums = sorted(int(v) for v in vals if v.isdigit())
            if nums and len(nums) == len(vals) and nums == list(range(nums[0], nums[-1] + 1)) and not neg:
                if population:  # 「年齢 in (3,4,5)」
                    return f"{pre}{nums[0]}〜{nums[-1]}歳"
                return f"{lhs_ja}が{nums[0]}以上{nums[-1]}以下"  # 「学年 in (1,2,3)」: consecutive values, one range
            return text
        if op in ("", "=", "==", "≠", "!="):
            if op in ("≠", "!="):
                neg = not neg
            if op == "":
                return f"{lhs_ja}{w.get('negated_suffix', 'なし') if neg else ''}{rest}"
            stage = self.stage(value) if head in w.get("stage_columns", []) else None
            if stage:
                return stage if not neg else text
            if population:  # 「年齢=0」: the children's age, never a flag
                return f"{pre}{value}歳児{rest}" if re.fullmatch(r"\d+", value) and not neg else text
            flag = self.flag(value, item)
            if flag is not None:
                on = flag != neg
                return f"{lhs_ja}{'' if on else w.get('negated_suffix', 'なし')}{rest}"
            if value in self.grades and not neg:  # 「学年=中3」
                return value + rest
            code_word = self.code_word(value, item)
            if code_word and not neg:
                return code_word + rest
            if re.fullmatch(r"\d+(?:\.\d+)?", value) and not neg:
                return f"{lhs_ja}が{value}以上{value}以下{rest}"
            return f"{lhs_ja}が{value}{'ではない' if neg else ''}{rest}"
        word = _OPS[op]
        if population and not neg:
            return f"{pre}{value}歳{word}{rest}"
        said = f"{lhs_ja}が{value}{word}{rest}"
        return said + ("ではない" if neg else "")

    def lhs(self, lhs: str, item: CatalogItem | None) -> str:
        """Item words with their bracketed qualifiers said inline: codes by label, time words, guardians."""
        w = self.words

        def qualifier(m: re.Match[str]) -> str:
            inner = m.group(1).strip()
            q = re.fullmatch(r"(.*?)\s*(!=|<>|≠|=|==|(?<![A-Za-z])(?:not\s*in|NOT\s*IN|in|IN)(?![A-Za-z]))\s*\(?(.+?)\)?", inner)
            if q is not None and item is not None and item.codes:
                labels = [self.code_label(v.strip(), item) for v in re.split(r"[,、・]", q.group(3)) if v.strip()]
                if all(labels):
                    said = "・".join(dict.fromkeys(x for x in labels if x))
                    # 「(種別≠育成相談)」「(種別 not in (40,90))」: every other code
                    return f"({said}以外)" if q.group(2) in ("!=", "<>", "≠") or q.group(2).lower().startswith("not") else f"({said})"
                return m.group(0)
            inner = re.sub(r"(?<=\d)年度累計", "年度", inner)  # 「R8年度累計」: that fiscal year
            for a, b in w.get("qualifier_words", {}).items():
                inner = inner.replace(a, b)
            return inner

        said = re.sub(r"\(((?:[^()]|\([^()]*\))*)\)", qualifier, lhs)
        for word in w.get("drop_words", []):
            said = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", "", said)
        said = re.sub(r"(?<=\d)M(?![A-Za-z])", "か月", said)
        said = re.sub(r"[〜~]\s*$", "以降", said)  # 「R8.4.1〜」: from that day
        return re.sub(r"\s+", "", said)

    def code_label(self, value: str, item: CatalogItem) -> str | None:
        codes = item.codes or ()
        for c in codes:
            if value == c.code or value.upper() == c.code.upper():
                return normalize(c.label)
        matches = [c for c in codes if value and (value == normalize(c.label) or value in normalize(c.label))]
        return normalize(matches[0].label) if len(matches) == 1 else None

    def flag(self, value: str, item: CatalogItem | None) -> bool | None:
        w = self.words
        if value in w.get("true_values", []) or value.lower() in w.get("true_values", []):
            return True
        if value in w.get("false_values", []) or value.lower() in w.get("false_values", []):
            return False
        numeric = item is not None and item.type in ("integer", "decimal") and item.kind == "attribute"
        if value in ("1", "0") and not numeric:
            return value == "1"
        if item is not None and item.kind == "event" and item.type == "bool" and value and value in normalize(item.name):
            return True  # 「心の天気=雨」: the value is in the item's own name
        return None

    def stage(self, value: str) -> str | None:
        return self.words.get("stage_values", {}).get(value)

    def code_word(self, value: str, item: CatalogItem | None) -> str | None:
        """「性別=女」: a category attribute's code said by the lexicon's code word (女子)."""
        if item is None or item.kind != "attribute" or not item.codes:
            return None
        code = next((c.code for c in item.codes if normalize(c.label) == value or c.code == value), None)
        if code is None:  # 「性別=女性」: the value is a code word itself
            return value if value in self.code_words and self.code_words[value][0] == item.id else None
        return next((w for w, (i, c) in self.code_words.items() if i == item.id and str(c) == code), None)


def _top_level_op(text: str) -> re.Match[str] | None:
    depth = 0
    masked = []
    for ch in text:
        depth += ch == "("
        masked.append(ch if depth == 0 else "\x00")
        depth -= ch == ")" and depth > 0
    return next(iter(_OP_RE.finditer("".join(masked))), None)


def _value(rhs: str) -> tuple[str, str]:
    """The compared value and what follows it (「1 の世帯」 -> 1, の世帯)."""
    m = re.match(r"\s*(\d+(?:\.\d+)?|[^\s(]+?)(?=\s|$|\(|の|が|を|で)(.*)$", rhs.strip())
    if m is None:
        return rhs.strip(), ""
    value, rest = m.group(1), re.sub(r"\s+", "", m.group(2))
    unit = re.match(r"(?:日|回|件|人|点|か月|ヶ月|歳|才)(?![ぁ-ん一-龥])", rest) if re.fullmatch(r"\d+(?:\.\d+)?", value) else None
    if unit:  # 「>= 30 日」: the unit written apart from its number
        value, rest = value + unit.group(0), rest[unit.end() :]
    return value, rest




def strip_header(text: str, lex: dict[str, Any]) -> str:
    """「【抽出条件】遅刻日数…」「条件：…」: a label naming what follows (lexicon ``header_labels``) is no condition."""
    labels = "|".join(map(re.escape, sorted(lex.get("header_labels", []), key=len, reverse=True)))
    if not labels:
        return text
    m = re.match(rf"\s*(?:[【\[［(（■◆●]\s*(?:{labels})\s*[】\]］)）]|(?:[■◆●]\s*)?(?:{labels})\s*[:：])\s*", text)
    return text[m.end() :] if m and text[m.end() :].strip() else text


def rewrite_lines(text: str, catalog: Catalog, index: PhraseIndex, lex: dict[str, Any]) -> ColumnReading:
    """:func:`rewrite` line by line (a listed set: 「以下のうち2つ以上:」 and one comparison a line)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return rewrite(text, catalog, index, lex)
    out: list[str] = []
    notes: list[str] = []
    for line in lines:
        said = rewrite(line, catalog, index, lex)
        if said.problem is not None:
            return ColumnReading(text, said.problem)
        out.append(said.text)
        notes += said.notes
    return ColumnReading("\n".join(out), None, tuple(notes))
