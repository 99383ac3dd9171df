"""Blind set dev15 (子育て支援課 通告受理票, case records, 転入・転出): the address classes it showed, pinned."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer
from privacy.pii.masking import mask_regions


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def spans(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start:f.end]) for f in analyze(text)]


def addresses(text: str) -> list[str]:
    return [text[f.start:f.end] for f in analyze(text) if f.type == "ADDRESS"]


# --- a municipality named as someone's home, with no town -----------------------------------------

@pytest.mark.parametrize("text, address", [
    ("通告者は母方祖母の田中 トシ子さん。鹿児島県霧島市在住のため電話での聴取。", "鹿児島県霧島市"),
    ("通告者：父方叔母 中島 由美（大阪府岸和田市在住）", "大阪府岸和田市"),
    ("通告者：福田 良子（父方祖母、和歌山県橋本市）0736-32-7741", "和歌山県橋本市"),  # in brackets after a relation
    ("祖母 杉本 節子（三重県津市）が支援者。", "三重県津市"),  # in brackets after a name
    ("母より「実家の熊本県八代市に帰りたい」との話。", "熊本県八代市"),
    ("母の実家は北海道旭川市、疎遠とのこと。", "北海道旭川市"),
    ("母子は現在、泉大津市の母の友人宅に身を寄せている。", "泉大津市"),  # no prefecture: a home after it
    ("父は奈良県生駒郡斑鳩町で単身赴任中。", "奈良県生駒郡斑鳩町"),
    ("父方祖母は兵庫県姫路市飾磨区在住。", "兵庫県姫路市飾磨区"),
    ("本児の父は愛知県名古屋市中村区に住民票あり。", "愛知県名古屋市中村区"),  # a ward joins its city
    ("東京都足立区の実家に本児を預ける。", "東京都足立区"),
    ("大分県別府市の姉に相談している。", "大分県別府市"),
    ("転入届（鳥取県米子市より）、世帯員2名", "鳥取県米子市"),
    ("転入者 横山 みどり、奈良県橿原市から。", "奈良県橿原市"),
    ("転出先（予定）：父の実家 長崎県佐世保市、母子は市内に残る。", "長崎県佐世保市"),
    ("転入元：静岡県浜松市中央区　連絡先はメール", "静岡県浜松市中央区"),
    ("祖父母は大阪府泉南郡熊取町大字五門に在住。", "大阪府泉南郡熊取町大字五門"),  # 大字 before the town
])
def test_a_home_municipality_is_an_address(text, address):
    assert address in addresses(text)


@pytest.mark.parametrize("text", [
    "大阪府和泉市は大阪府の南部に位置し、人口は182,481人（令和7年1月）。",
    "和泉市在住の0歳から18歳の子ども",  # a criterion
    "箕面市では約27,000人の子どもを対象に見守りを行う。",
    "岸和田市の子ども家庭センターに照会する。",  # a facility there
    "前住所地の市町村への照会は令和6年度で23件。",
])
def test_a_municipality_that_is_no_ones_home_stays_clean(text):
    assert addresses(text) == []


# --- address forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, address", [
    ("住所欄：和泉市唐国町一丁目／8番21号（票の改行のため「／」で記載）", "和泉市唐国町一丁目／8番21号"),
    ("転出先：東京都江戸川区西葛西6丁目／10番3号 ハイツ西葛西401", "東京都江戸川区西葛西6丁目／10番3号 ハイツ西葛西401"),
    ("吉川 美咲、和泉市葛の葉町1丁目6-9に転入。", "和泉市葛の葉町1丁目6-9"),  # の inside a town name
    ("新住所 和泉市肥子町1-2-3 2階（同一建物内）", "和泉市肥子町1-2-3 2階"),  # the floor after a space
    ("「桃山台の川端さんの家」との情報のみ。", "桃山台"),
    ("児童の住所は「府中町の市営住宅」としか分からず。", "府中町"),
    ("転出先：市内（いぶき野の市営住宅）、番地は未定。", "いぶき野"),
    ("「伯太町の団地の3号棟に住む男の子」と通告あり。", "伯太町"),
])
def test_address_forms(text, address):
    assert address in addresses(text)


def test_care_of_is_masked_with_the_address_either_way():
    # 様方: the holder's name may be labelled inside the address or as a person; both are masked whole
    for text, care_of in [("対象世帯住所：和泉市葛の葉町2-3-18 濵野様方（母子で間借り）", "和泉市葛の葉町2-3-18 濵野様方"),
                          ("〒594-0031　和泉市伏屋町5-2-1　浅野 隼人方", "和泉市伏屋町5-2-1　浅野 隼人方")]:
        start = text.index(care_of)
        end = start + len(care_of)
        regions = sorted((f.start, f.end) for f in mask_regions(text, analyze(text)))
        position = start
        for a, b in regions:
            if a <= position < b:
                position = b
        assert position >= end, (text, regions)


# --- offices and venues are clean ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "和泉市立国府小学校　所在地：和泉市府中町4丁目20番1号　電話 0725-41-0033（代表）",
    "家庭児童相談室の所在地は和泉市府中町二丁目7番5号（市役所本館2階）です。",
    "和泉市子育て支援室 家庭児童相談担当（和泉市府中町2-7-5 市役所2階）",
    "要対協の実務者会議は毎月第2火曜日、和泉シティプラザ3階で開催。",
    "和泉シティプラザ（和泉市いぶき野五丁目1番1号）で乳幼児健診を実施。",
    "府中町三丁目、四丁目は国府小学校区、五丁目以降は芦部小学校区。",
    "和泉保健所（大阪府和泉保健所、和泉市府中町六丁目12番3号）",
    "ショートステイ事業の委託先：和泉乳児院（和泉市観音寺町200番地）ほか",
    "府中町の市営住宅の建替えは令和8年度に完了。",
    "光明台の団地で防災訓練を開催する。",
    "和泉市役所 子育て支援室（〒594-8501）宛てに郵送。",  # an office's postal code in brackets after its name
])
def test_offices_and_venues_are_clean(text):
    assert analyze(text) == []
