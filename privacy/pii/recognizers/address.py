"""Street addresses: 都道府県・市区町村・町名 followed by 丁目・番地・号 or 1-2-3 forms.

A block number (一丁目2番3号, 3丁目5-1, 4丁3-2, 123番地の4, 府中町1-2-3) anchors the match; the place
name before it is taken back to the previous particle or punctuation, and a building name with a
room number after it is included. A municipality alone is an address only as someone's home
(鹿児島県霧島市在住, 実家は北海道旭川市), not as a criterion (「和泉市在住の方」).
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.place_names import city_town_spans, municipality_spans
from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DASH, OFFICE_AFTER, OFFICE_BEFORE, OFFICE_NAME, near, normalize

_NUM = r"(?:[0-9０-９]{1,4}|[〇一二三四五六七八九十百]{1,4})"
_ANUM = r"(?:[1-9１-９][0-9０-９]{0,3})"
_SP = r"[ 　]?"
_BLOCK_PATTERNS = [
    # 一丁目2番3号 / 1丁目2-3 / 3丁目 / 二丁目5番地 / 2丁目 5番 8号
    rf"{_NUM}丁目?(?:{_SP}{_NUM}(?:番地?|{DASH}|の))?(?:{_SP}{_NUM}(?:号|番地?)?)?",
    # 123番地の4 / 5番地 / 12番3号 / 12番地3
    rf"{_NUM}番地?(?:の?{_NUM}号?)?(?![0-9０-９〇一二三四五六七八九十百地])",
    # 1-2-3 / 12-3 / 123の4 (place name required before it)
    (rf"(?<![0-9０-９A-Za-z.．/／{DASH}]){_ANUM}(?:{_SP}{DASH}{_SP}|の){_ANUM}(?:(?:{_SP}{DASH}{_SP}|の){_ANUM})?"
     rf"(?![0-9０-９./／{DASH}]|[ 　]{DASH})"),
    # 箕形町1234: a bare lot number right after a town name (city or county name required before it)
    rf"(?<=[町村]){_ANUM}(?:番地?)?(?![0-9０-９.．/／{DASH}年月日歳回人件点%％丁番号])",
    # 九鬼 字岡中 310: a lot number after a 字 (section) name
    rf"(?<=字[\p{{Han}}\p{{Katakana}}ノヶ]{{1,6}}[ 　]?){_ANUM}(?:番地?)?(?:の{_ANUM})?(?![0-9０-９.．/／{DASH}年月日歳回人件点%％丁番号])",
]
_BARE_LOT = 3  # index of the pattern above
_HOTLINE = regex.compile(r"(?:110|119|118|117|177|189)番")
_ROMAN_OFFICE_BEFORE = regex.compile(r"(?:Office|Hall|Center|Centre|School|Clinic|Hospital|Station|Library)[ ,:]*$")
# A romanized address (visa, foreign residents' papers): 3-2-15 Wake-cho, Izumi-shi / Izumi-shi, Wake-cho 3-2-15
_ROMAN_PLACE = r"[A-Z][a-z]{1,14}(?:-[a-z]{1,14})?-(?:cho|machi|mura|ku|shi|gun|ken|fu|to|dai|oka)"
_ROMAN_ADDRESS = regex.compile(
    rf"(?<![A-Za-z0-9-])[0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,3}}(?:,? {_ROMAN_PLACE}){{1,4}}(?:,? Osaka(?:-fu)?)?(?![A-Za-z-])"
    rf"|(?<![A-Za-z-]){_ROMAN_PLACE}(?:,? {_ROMAN_PLACE}){{0,3}},? [0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,3}}(?![0-9-])")
_CITY_AND_TOWN = regex.compile(r"\p{Han}+[市郡区]\p{Han}+[町村]$")
# An address-context word right before a city and town name with no block number:
# 母の実家は泉大津市東雲町, 祖母宅（岸和田市土生町）, 転出先は大阪市住吉区長居東.
_PLACE_AFTER_CONTEXT = regex.compile(
    r"(?:実家|宅|転出先|転居先|転入元|転居前|引っ越し先|引越し先|引越先|移転先|現住所|住所|住まい|居所|自宅|本籍地?"
    r"|〒?[0-9０-９]{3}[-－ー‐][0-9０-９]{4})"
    r"(?:は|が|も|で|：|:|（|\(|[ 　])?[ 　]?"
    r"(?P<v>(?:\p{Han}{2,3}[都道府県])?\p{Han}{1,5}[市郡](?:\p{Han}{1,4}区)?"
    r"(?:\p{Hiragana}{2,5}(?=[\p{Han}\p{Katakana}]))?[\p{Han}\p{Katakana}ー々ヶ]{1,8})")
# A town where someone's home is, with no city: 家は信太山のほう, 自宅は光明台あたり.
_HOME_TOWN = regex.compile(
    r"(?:家|自宅|住まい|実家|住所)は[ 　]?(?P<v>[\p{Hiragana}]{1,4}[\p{Han}\p{Katakana}ー々ヶ]{1,8}|[\p{Han}\p{Katakana}ー々ヶ]{2,8})"
    r"(?=のほう|の方|方面|あたり|辺り|付近|周辺|の(?:市営|府営|県営|都営|町営|公営|UR)?(?:住宅|団地|アパート|マンション))"
    # 住所は府中町です, 住まいは池上町で: a town named as someone's address
    r"|(?:住所|現住所|住まい|居所)は[ 　]?(?P<v>[\p{Hiragana}]{0,4}[\p{Han}\p{Katakana}ー々ヶ]{1,8}"
    r"(?:町|村|台|丘|野|園|谷|坂|浜|沢|原))(?=です|でした|だ|で|。|、|\n|$)"
    # 祖母宅は 黒鳥町 の神社の裏手: a town named as where a home is
    r"|(?:宅|自宅|実家|住まい)は[ 　]?(?P<v>[\p{Hiragana}]{0,4}[\p{Han}\p{Katakana}ー々ヶ]{1,8}"
    r"(?:町|村|台|丘|野|園|谷|坂|浜|沢|原))(?=[ 　]?(?:の|に|で|、|。|です|あたり|辺り|付近))"
    # 祖母宅（府中町）から: a town in brackets after a home
    r"|(?:宅|実家|自宅|住まい)[（(](?P<v>[\p{Hiragana}]{0,4}[\p{Han}\p{Katakana}ー々ヶ]{1,8}"
    r"(?:町|村|台|丘|野|園|谷|坂|浜|沢|原|[0-9０-９]丁目))[)）]")
_NOT_ADDRESS_AFTER = regex.compile(r"^(?:地区|自治会|町会|町内会|周辺|一帯|界隈)")
_PLACE_CHAR = r"[\p{Han}\p{Katakana}ー々ヶヵケ〇]"
# 葛の葉町, 緑が丘: a の or が inside a town name
_PLACE_RUN = regex.compile(rf"(?:{_PLACE_CHAR}|(?<=\p{{Han}})[のが](?=\p{{Han}}{{0,2}}(?:町|台|丘|野|原|浜|坂|谷|沢))){{1,24}}\Z")
_PLACE_SUFFIX = regex.compile(
    r"(?:[都道府県市区町村郡]|丁目|条|通|台|丘|岡|野|園|原|谷|川|山|田|島|浜|沢|坂|橋|崎|宮|井|里|"
    r"林|森|木|池|江|津|瀬|尾|口|寺|新|東|西|南|北|中|上|下|本|畑|内|外|戸|屋|城|町目"
    r"|チョウ|マチ|ムラ|シ|ク|オカ|ダイ|ハラ|ヤマ|サカ|ハマ|サワ|ガワ|カワ|ノ|ダ|タ|シマ|ジマ|ザキ|サキ)$")  # ｲｹｳｴﾁｮｳ 3-6-11: a reading in kana (folded to full width)
_MUNICIPALITY_END = r"(?:[都道府県市区町村郡]|シ|ク|チョウ|マチ|ムラ|グン|ケン|フ)"
_HAS_MUNICIPALITY = regex.compile(r"(?:北海道|東京都|京都府|大阪府|\p{Han}{2,3}県|\p{Han}+[市区町村郡])")
_NOT_PLACE_PREFIX = regex.compile(r"^(?:現住所|旧住所|住所地|住所|居所|自宅|実家|転居先|転出先|所在地|本籍地|本籍)")
_BUILDING_WORD = (r"(?:ハイツ|コーポ|マンション|アパート|メゾン|レジデンス|ハウス|コート|パレス|ヴィラ|ビル|"
                  r"タワー|ガーデン|プラザ|ヒルズ|シャトー|カーサ|フラット|荘|団地|住宅|寮|ハイム|レジデンシャル)")
# Floor, wing and room after a building name: 3階301号室, B棟 402号室, 12棟305号室, 102号室, -305.
_ROOM = (r"(?:[ 　]?(?:[A-Za-zＡ-Ｚ0-9０-９]{1,3}(?:棟|号棟))?[ 　]?(?:[0-9０-９]{1,2}(?:階|F))?[ 　]?"
         r"(?:[0-9０-９]{1,4}(?:号室|号(?!棟))|[〇一二三四五六七八九十百]{1,4}号室|[A-Za-zＡ-Ｚ]{1,2}号室)"
         rf"|[ 　]?[0-9０-９]{{1,4}}{DASH}?[A-Za-zＡ-Ｚ](?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"  # 3B, 1-A
         r"|[ 　]?[A-Za-zＡ-Ｚ0-9０-９]{1,3}(?:棟|号棟)|[ 　]?[0-9０-９]{1,2}(?:階|F|Ｆ)"
         rf"|[ 　]?[0-9０-９]{{1,3}}{DASH}[0-9０-９]{{2,4}}(?:号室)?(?![0-9０-９])"  # 12-305: wing and room
         rf"|[ 　]?[A-Za-zＡ-Ｚ]{{1,2}}{DASH}?[0-9０-９]{{2,4}}(?:号室)?(?![0-9０-９])"
         rf"|{DASH}[A-Za-zＡ-Ｚ0-9０-９]{{1,4}}(?![0-9０-９A-Za-z])"  # 2F-B
         r"|[ 　]?[0-9０-９]{2,4}(?![0-9０-９]))")
# A building name with a room number and no street address: コーポ桜 102号室, サンシャイン府中 B棟 402号室.
_BUILDING_ROOM = regex.compile(
    rf"(?<![\p{{Han}}\p{{Katakana}}ー・A-Za-z])(?:[\p{{Han}}\p{{Katakana}}ー・A-Za-zＡ-Ｚａ-ｚ]{{0,16}}?"
    rf"{_BUILDING_WORD}(?:[\p{{Han}}\p{{Katakana}}ー・0-9０-９]|[がのヶ](?=\p{{Han}})){{0,8}}"
    rf"(?:\p{{Hiragana}}{{1,4}}(?=[ 　][0-9０-９]{{1,4}}号))?(?:の(?=[0-9０-９]{{1,2}}(?:階|F|Ｆ)|[0-9０-９]{{1,4}}号室))?{_ROOM}?"  # レオパレスいぶき 105号, サンライズハイツの2階
    rf"|[\p{{Han}}\p{{Katakana}}ー・A-Za-zＡ-Ｚａ-ｚ]{{1,16}}?[ 　]?{_ROOM})(?![0-9０-９])")
# 3階 302会議室, 201相談室: a room of an office, not a home
_MEETING_ROOM = regex.compile(r"^(?:会議|研修|相談|面談|面接|応接|診察|集会|多目的|講義|会|教)室|^(?:ホール|会場)")
# A building name with a bare room number where someone lives: ルミエール和気 106に母と二人暮らし,
# エステート鶴山台 108に住む (no building word such as ハイツ, no 号室).
_NAMED_HOME = regex.compile(
    r"(?<![\p{Han}\p{Katakana}ー・A-Za-z])[\p{Katakana}ー・]{2,12}[\p{Han}ヶケ]{0,5}[ 　]?[0-9０-９]{2,4}(?:号室|号)?"
    r"(?![0-9０-９])(?=[ 　]*(?:在住|(?:に|で)[^。\n]{0,10}?(?:住ん|住む|住み|暮らし|暮らす|居住|同居)))")
# 和泉シティプラザ3階で開催: a venue's floor, not a home
_VENUE_AFTER = regex.compile(r"^(?:で|にて)(?:開催|実施|行|開か)")
_INSTITUTION = regex.compile(r"役所|役場|庁舎|センター|学校|病院|会館|公民館|図書館|支所")
_LOT_AFTER = regex.compile(
    rf"^[0-9０-９]{{1,5}}(?:番地?)?(?:(?:{DASH}|の)[0-9０-９]{{1,4}}){{0,2}}(?![0-9０-９]|[ 　]?(?:年|月|日|歳|才|人|件|回|点|%|％|円|時|分))")
_DASH_ROOM = regex.compile(rf"^{DASH}[0-9０-９]{{1,4}}(?:号室|(?![0-9０-９]))")
_ROOM_AFTER = regex.compile(rf"^{_ROOM}")
# A town name where someone lives (府中町の祖父宅, 光明台在住, 伏屋町に住む); not a city alone, and
# not a criterion about everyone living there (府中町在住の世帯は…).
_TOWN = regex.compile(
    r"(?:(?:(?<![\p{Han}\p{Katakana}\p{Hiragana}ー々ヶ])|(?<=[はがをにもでと]))[\p{Hiragana}]{2,4})?"
    r"(?<![\p{Han}\p{Katakana}ー々ヶ])[\p{Han}\p{Katakana}ー々ヶケ]{0,8}"
    r"(?:町|台|丘|ヶ丘|ケ丘|が丘|野|園|谷|坂|浜|沢|原|が原|ヶ原|山)"
    r"(?=[ 　]*(?:在住|に住|で暮ら|に暮ら|に転居|へ転居|に転出|へ転出|に引っ越|へ引っ越|から通|から転入|"
    r"の(?:母方|父方)?(?:祖父母|祖父|祖母|叔母|叔父|伯母|伯父|親戚|実家|自宅|母|父|家|アパート|マンション|"
    r"おばさん|おじさん|おばあちゃん|おじいちゃん|ばあちゃん|じいちゃん)"
    r"(?:の家|宅|方|の方|家|ち)?(?:に|で|へ|から|を|と|は|が|も|、|[)）])|の(?:実家|自宅|アパート|マンション)"
    r"|の[\p{Han}]{1,4}(?:さん|様)?の?(?:宅|家)(?:に|で|へ|から|を|と|は|が|も|、|」)"  # 桃山台の川端さんの家」
    r"|の(?:市営|府営|県営|都営|町営|公営|UR)?(?:住宅|団地)(?:[ 　]?[0-9０-９A-Za-zＡ-Ｚ]{1,3}号?棟)?(?:」|[)）]|(?:の[^。\n]{0,8}?)?(?:に住|に居住|に転居|で暮ら|に入居))"  # 「府中町の市営住宅」, 伯太町の団地の3号棟に住む
    r"|にある(?:母方の|父方の)?(?:祖父母|祖父|祖母|叔母|叔父|親戚|実家|自宅|母|父)?(?:の家|宅|家|アパート|マンション|住宅|団地)))")
_TOWN_GROUP_AFTER = regex.compile(
    r"^[ 　]*在住(?:の(?:世帯|子ども|子供|児童|生徒|方々|全|者|人|[0-9０-９]+(?:歳|才|か月|ヶ月|年|学年|以上|未満|〜|~))"
    r"|者|世帯|児童|の方は|を対象)")
_TOWN_NOT_PLACE = regex.compile(r"(?:地区|学校|公園|団地|住宅|寺|神社|保育園|幼稚園|こども園|学園|動物園|霊園|農園|花園|楽園)$")
# What follows a city and town that is not someone's home: a facility there, an event held there.
_PLACE_NOT_HOME_AFTER = regex.compile(
    r"^(?:の|に|にある)?[\p{Han}\p{Katakana}\p{Hiragana}ー・]{0,10}?(?:役所|役場|庁舎|支所|センター|学校|小学校|中学校|病院|会館|公民館|図書館|"
    r"公園|駅|保育園|保育所|こども園|幼稚園|店|事務所|寺|神社|施設|工場|会場)|^(?:で|にて)(?:開催|実施|行われ)|^(?:内|全域|一帯|地区|周辺)"
    # statistics and jurisdictions: 府中町の人口, 府中町・伯太町を担当
    r"|^の?(?:人口|世帯数|面積|児童数|生徒数|出生数|高齢化率|自治会|まつり|祭り|地域|区域|エリア)|^[^。\n]{0,20}?[をのは](?:担当|管轄|所管|受け持)")
# A municipality named as someone's home, with no town (鹿児島県霧島市在住, 実家は北海道旭川市, 転入元：静岡県浜松市中央区,
# 泉大津市の母の友人宅に, 祖母 杉本 節子（三重県津市）); not a criterion (和泉市在住の方) nor a facility there.
_HOME_CITY_BEFORE = regex.compile(
    r"(?:実家|宅|転出先|転居先|転入元|転居前|前住所地?|新住所|旧住所|最終住所|現住所|住所地?|住まい|居所|本籍地?)"
    r"(?:[（(]予定[)）])?(?:は|が|の|も|：|:|[（(]|[ 　]){0,2}$")
_HOME_CITY_AFTER = regex.compile(
    r"^(?:に)?在住|^(?:に|で)(?:住ん|住む|住み|住民票|暮らし|暮らす|居住|単身赴任|独居|転居|転出|身を寄せ)"
    r"|^の[\p{Han}\p{Hiragana}]{0,6}?(?:祖父母|祖父|祖母|叔母|叔父|伯母|伯父|親戚|実家|自宅|姉|兄|弟|妹|母|父|友人|知人|家|宅)"
    r"(?:の家|宅|方|家)?(?:に|で|へ|から|を|と|は|が|も|、|[（(])")
# with the prefecture: in brackets after a name or a relation (福田 良子（父方祖母、和歌山県橋本市）), where one moved from
_HOME_CITY_PREFECTURE = regex.compile(r"^(?:在住)?[)）]|^(?:から|より)(?:転入|。|[)）]|$)")
_BUILDING = regex.compile(
    rf"^[ 　]?(?:の[ 　]?)?(?:[\p{{Han}}\p{{Katakana}}ー・]{{1,15}}[ 　]?)?[0-9０-９]{{1,4}}(?:号室|号(?!棟)|{DASH}?[0-9０-９]{{0,3}}号室)"
    # 府中町1-2-3、305号室 / （305号室） / の2階: the room or floor after a comma, in brackets, after の
    rf"|^[ 　]?(?:[、，,][ 　]?|[（(]|の)[0-9０-９]{{1,4}}(?:号室|階)[)）]?"
    rf"|^[ 　][0-9０-９]{{1,2}}(?:階|[FＦ])(?![0-9０-９A-Za-z])"  # 府中町1-2-3 2階
    # a bare room number after the block number: 府中町1-2-3 305 (not 3人, 2025年, 090-…)
    rf"|^[ 　][0-9０-９]{{3,4}}(?![0-9０-９]|{DASH}|[ 　]?(?:年|月|日|歳|才|人|件|回|点|時|分|%|％|円|名|枚|本|個|番|世帯|か月|ヶ月|kg|cm))"
    rf"|^[ 　]?(?:[\p{{Han}}]{{0,4}}第[0-9０-９一二三四五]{{1,2}})?[\p{{Katakana}}ー・]{{0,10}}(?:ハイツ|コーポ|マンション|アパート|メゾン|レジデンス|ハウス|"
    rf"コート|パレス|ヴィラ|ビル)[\p{{Katakana}}ー・\p{{Han}}\p{{Hiragana}}]{{0,8}}(?:[ 　]?(?:I{{1,3}}|IV|V|Ⅰ|Ⅱ|Ⅲ|Ⅳ|Ⅴ)(?![A-Za-z棟号]))?"  # コーポ府中II
    rf"|^[ 　][\p{{Katakana}}ー・]{{3,15}}(?=[ 　]?[0-9０-９]{{2,4}}(?![0-9０-９]))"
    # any building name (加守ハイツ, いぶき野タワー, パークサイド府中, ルミエール中もず) before its room number
    rf"|^[ 　]?(?!電話|携帯|連絡|TEL|Tel|FAX|℡)(?=[A-Za-zＡ-Ｚ]{{0,19}}[\p{{Han}}\p{{Katakana}}\p{{Hiragana}}])"
    rf"[\p{{Han}}\p{{Katakana}}\p{{Hiragana}}ー・A-Za-zＡ-Ｚ]{{2,20}}?"
    rf"(?=[ 　]?(?:[A-Za-zＡ-Ｚ]{{1,2}}{DASH}?)?[0-9０-９]{{1,4}}(?:号室|号|[FＦ階]|{DASH}[0-9０-９A-Za-zＡ-Ｚ]{{1,4}}|(?![0-9０-９]))"
    rf"|[ 　]?[A-Za-zＡ-Ｚ0-9０-９]{{1,3}}(?:棟|号棟))"
    rf"|^[ 　]?[\p{{Han}}\p{{Katakana}}ー]{{1,8}}(?:荘|団地|住宅|寮)(?:[0-9０-９〇一二三四五六七八九十]{{1,3}}(?:棟|号棟))?"
    r"(?:[〇一二三四五六七八九十百]{1,4}号室)?")  # 茶山台団地十四棟四〇五号室
# After a line break only a building word or a room number continues the address (not a name and a
# phone number on the next line).
_BUILDING_AFTER_BREAK = regex.compile(
    rf"^[ 　]?(?:[\p{{Han}}\p{{Katakana}}\p{{Hiragana}}ー・A-Za-zＡ-Ｚ]{{0,15}}?{_BUILDING_WORD}[\p{{Han}}\p{{Katakana}}ー・]{{0,8}}"
    rf"(?:[ 　]?[0-9０-９]{{1,4}}(?:号室|号)?(?![0-9０-９]))?"  # サニーコート205, のぞみ野ハイツ201
    rf"|(?:[\p{{Han}}\p{{Katakana}}ー・]{{1,15}}[ 　]?)?[0-9０-９]{{1,4}}号室)")
_BREAK = regex.compile(r"^\r?\n")
_GAP = " 　\r\n"
_NOT_ADDRESS_BEFORE = regex.compile(r"(?:第|法|条|項|号|欠席|遅刻|点|歳|年|月|日|回|人|件|組|年生)$")
# 〇〇市〇〇町1-2-3, ○○マンション: a masked or sample address (not 二〇〇番地, where 〇 is a digit)
_PLACEHOLDER = regex.compile(r"(?<![一二三四五六七八九十百千〇])[〇○◯●△×＊*]{2,}(?![〇一二三四五六七八九十百]*(?:番|号|丁目))")
_CONTEXT_WORDS = ("住所", "在住", "住む", "住ん", "転居", "転入", "居住", "自宅", "方")


class AddressRecognizer(JaRegexRecognizer):
    ENTITY = "ADDRESS"
    PATTERNS = _BLOCK_PATTERNS
    CONTEXT = ["住所", "在住", "居所", "転居", "転入", "自宅"]

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results: list[RecognizerResult] = []
        for index, rx in enumerate(self._regexes):
            for m in rx.finditer(text):
                found = self._expand(text, m.start(), m.end(), dashed=index == 2)
                if found is None or _NOT_ADDRESS_AFTER.match(text[found[1]:found[1] + 4]):
                    continue
                start, end, score = found
                if _HOTLINE.fullmatch(normalize(m.group(0))):
                    continue  # 子どもの人権110番, 子ども家庭110番: a hotline's name
                if index == _BARE_LOT and not _CITY_AND_TOWN.search(text[start:m.start()]):
                    continue
                if any(r.start <= start and end <= r.end for r in results):
                    continue
                results = [r for r in results if not (start <= r.start and r.end <= end)]
                boosted = near(text, start, end, _CONTEXT_WORDS, before=8, after=6)
                results.append(self.result(start, end, min(1.0, score + (0.1 if boosted else 0)),
                                           boosted))
        for m in _BUILDING_ROOM.finditer(text):
            start, end = m.span()
            if _INSTITUTION.search(text[start:end]):
                continue  # 和泉市役所本庁舎2階: an office's floor, not a home
            dash_room = _DASH_ROOM.match(text[end:end + 6])
            if dash_room:  # 市営信太山住宅12-305
                end += len(dash_room.group(0))
            for _ in range(2):  # サンハイツ池上 2F|-B, フォレスト緑ケ丘 B棟| 208, 県営住宅5号棟|の402
                skip = 1 if text[end:end + 1] == "の" and regex.search("棟|階", text[start:end]) else 0
                room = _ROOM_AFTER.match(text[end + skip:end + skip + 16])
                if not room or not room.group(0) or (skip and not regex.match(r"[0-9０-９]", room.group(0))):
                    break
                end += skip + len(room.group(0))
            if not regex.search("号室|棟|階|[0-9０-９][FＦ]", text[start:end]) and not regex.search(
                    _BUILDING_WORD, text[start:end]):
                continue
            if regex.fullmatch(r"第?[0-9０-９一二三四五六七八九十]+号?棟", text[start:end]) or text[start] in "棟階号室":
                continue  # 第3号棟の耐震改修工事: a building of no named place; 集会所（2棟1階）: a fragment
            if not regex.search("[0-9０-９]|[〇一二三四五六七八九十百]号室", text[start:end]) or \
                    any(r.start < end and start < r.end for r in results) or _MEETING_ROOM.match(text[end:end + 6]) \
                    or _VENUE_AFTER.match(text[end:end + 6]):
                continue
            results.append(self.result(start, end, 0.8, True))
        for m in _ROMAN_ADDRESS.finditer(text):
            if _ROMAN_OFFICE_BEFORE.search(text[max(0, m.start() - 24):m.start()]):
                continue  # Izumi City Office, 2-7-5 Fuchu-cho: an office's address
            if not any(r.start < m.end() and m.start() < r.end for r in results):
                results.append(self.result(m.start(), m.end(), 0.8, True))
        for m in _NAMED_HOME.finditer(text):
            start, end = m.span()
            if not any(r.start < end and start < r.end for r in results):
                results.append(self.result(start, end, 0.75, True))
        for m in _HOME_TOWN.finditer(text):
            start, end = m.span("v")
            if regex.search(r"[市県府都道]$", text[start:end]) or _TOWN_NOT_PLACE.search(text[start:end]) or \
                    any(r.start < end and start < r.end for r in results):
                continue
            results.append(self.result(start, end, 0.7, True))
        for m in _PLACE_AFTER_CONTEXT.finditer(text):
            start, end = m.span("v")
            if text[start:end].endswith("区") or any(r.start < end and start < r.end for r in results):
                continue
            lot = _LOT_AFTER.match(text[end:end + 16])
            if lot:  # 橋本市高野口町名古曽123: the lot number after the town's section
                end += len(lot.group(0))
            results.append(self.result(start, end, 0.75, True))
        for m in _TOWN.finditer(text):
            start, end = m.span()
            word = text[start:end]
            if len(word) < 2 or _TOWN_NOT_PLACE.search(word) or _TOWN_GROUP_AFTER.match(text[end:end + 10]):
                continue
            if any(r.start < end and start < r.end for r in results):
                continue
            results.append(self.result(start, end, 0.7, True))
        for start, end in city_town_spans(text):  # 泉佐野市日根野, 和泉市三林町の団地: a town of that city, no block number
            if any(r.start < end and start < r.end for r in results) or _TOWN_GROUP_AFTER.match(text[end:end + 10]) \
                    or _PLACE_NOT_HOME_AFTER.match(text[end:end + 12]):
                continue
            results.append(self.result(start, end, 0.65, True))
        for start, end in municipality_spans(text):
            if any(r.start < end and start < r.end for r in results) or _TOWN_GROUP_AFTER.match(text[end:end + 10]) \
                    or _PLACE_NOT_HOME_AFTER.match(text[end:end + 12]):
                continue
            ward = regex.match(r"\p{Han}{1,3}区(?![\p{Han}])|\p{Han}{1,3}区(?=在住)", text[end:end + 8])
            if ward:  # 姫路市飾磨区在住
                end += len(ward.group(0))
            prefecture = regex.match(r"\p{Han}{2,3}[都道府県]", text[start:end]) is not None
            after = text[end:end + 12]
            if not (_HOME_CITY_BEFORE.search(text[max(0, start - 10):start]) or _HOME_CITY_AFTER.match(after)
                    or (prefecture and _HOME_CITY_PREFECTURE.match(after)
                        and regex.search(r"[（(][^（()）]{0,12}$|転入|転出|転居", text[max(0, start - 40):start]))):
                continue
            results.append(self.result(start, end, 0.65, True))
        return [r for r in _joined(text, results) if not (
            _PLACEHOLDER.search(text[r.start:r.end]) or _office_address(text, r.start, r.end)
            or _OFFICE_ONLY.search(text[r.start:r.end])
            or (_BLOCK_ONLY.fullmatch(text[r.start:r.end]) and not near(text, r.start, r.end, _CONTEXT_WORDS, before=8, after=6)))]

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        found = self._expand(text, start, end, dashed=False)
        return None if found is None else (found[2], False)

    def _expand(self, text: str, start: int, end: int, dashed: bool) -> tuple[int, int, float] | None:
        """Grow a block-number match to the place name before it and the building after it."""
        before = text[max(0, start - 40):start]
        base = before.rstrip(_GAP)  # spaces and line breaks between the parts of an address
        if base.endswith(("／", "/")) and base[:-1].endswith("丁目"):  # 一丁目／8番21号: 「／」 for a line break
            base = base[:-1].rstrip(_GAP)
        spaced = len(base) < len(before)
        run = _PLACE_RUN.search(base)
        if spaced and run and not (_PLACE_SUFFIX.search(run.group(0))
                                   or _HAS_MUNICIPALITY.search(run.group(0))):
            run = None
        place = run.group(0) if run else ""
        gap = len(before) - len(base) if run and spaced else 0
        if run:  # いぶき野2-3-4, 和泉市 いぶき野 5-3-2: a town name written partly in hiragana
            kana_head = regex.search(r"(?:^|(?<=[市区町村郡 　\t\n、:：,，])|(?<=(?:住まい|住所|自宅|実家|転居先)[はがも]))"
                                     r"[\p{Hiragana}]{1,5}\Z",
                                     base[:len(base) - len(place)])
            if kana_head:
                place = kana_head.group(0) + place
        if run:  # 大阪府 和泉市 府中町: components separated by spaces or a line break
            head = base[:len(base) - len(place)]
            while True:
                more = regex.search(rf"({_PLACE_CHAR}{{1,12}}{_MUNICIPALITY_END})[ 　\r\n]{{1,2}}\Z", head)
                if not more and place.startswith(("字", "大字")) and head.endswith((" ", "　")):
                    more = regex.search(rf"{_PLACE_CHAR}{{1,16}}[ 　]\Z", head)  # 和泉市九鬼 字岡中 310
                if not more:
                    break
                gap += len(head) - more.start()
                head = head[:more.start()]
        prefix = _NOT_PLACE_PREFIX.match(place)
        if prefix:
            place = place[prefix.end():]
        if place and _NOT_ADDRESS_BEFORE.search(place) and not _PLACE_SUFFIX.search(place):
            return None
        if dashed:
            # 幸3-10-1-402: a one-kanji town with block, lot and room
            one_kanji_town = len(place) == 1 and bool(_DASH_ROOM.match(text[end:end + 6])) and \
                regex.fullmatch(rf"{_ANUM}(?:{DASH}{_ANUM}){{2}}", text[start:end]) is not None
            if not one_kanji_town and (len(place) < 2 or not (_PLACE_SUFFIX.search(place) or _HAS_MUNICIPALITY.search(place))):
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
        new_start = start - len(place) - gap
        if regex.match(r"[0-9０-９〇一二三四五六七八九十]", text[new_start:end]) and new_start > 0 and \
                text[new_start - 1] in "「『（(／/" and text[end:end + 1] in "」』）)／/":
            return None  # 表記ゆれ（一丁目四番／1-4）: a notation quoted in a rule, no one's block
        if place and regex.match(r"\p{Hiragana}", place):  # 和泉市|いぶき野5丁目
            head = regex.search(rf"{_PLACE_CHAR}{{1,12}}[都道府県市区町村郡][ 　]?\Z",
                                text[max(0, new_start - 13):new_start])
            if head:
                new_start -= len(head.group(0))
        dash_room = _DASH_ROOM.match(text[end:end + 6])
        if dash_room:  # 5丁目3番地-305, 6-14-17-808
            end += len(dash_room.group(0))
        building = _BUILDING.match(text[end:end + 30])
        new_end = end + (len(building.group(0).rstrip(" 　")) if building else 0)
        line_break = _BREAK.match(text[end:end + 2])
        if building is None and line_break:  # 府中町1-2-3\nコーポ桜305号室
            building = _BUILDING_AFTER_BREAK.match(text[end + line_break.end():end + 30])
            if building:
                new_end = end + line_break.end() + len(building.group(0).rstrip(" 　"))
        for _ in range(3 if building else 0):  # 3階301号室, C棟201 after a building name
            line_break = _BREAK.match(text[new_end:new_end + 2])
            skip = line_break.end() if line_break else 0
            room = _ROOM_AFTER.match(text[new_end + skip:new_end + skip + 16])
            if not room or not room.group(0) or (skip and not regex.search("号室|棟|階", room.group(0))):
                break
            new_end += skip + len(room.group(0))
        return new_start, new_end, score


# 「（和泉市役所）宛」: an office's name, no street address; 「一丁目四番と1-4の表記ゆれ」: a block number of no place
_OFFICE_ONLY = regex.compile(r"^\p{Han}{1,6}(?:市役所|区役所|役所|役場|庁舎)$")
_BLOCK_ONLY = regex.compile(r"[〇一二三四五六七八九十0-9０-９]{1,3}丁目[〇一二三四五六七八九十0-9０-９]{1,4}番(?:地)?")


def _office_address(text: str, start: int, end: int) -> bool:
    """An office's or facility's address: its name right before the bracket the address is in, or
    right after the address (市役所（府中町2-7-5）, …二丁目7番5号 和泉市役所 子育て支援課)."""
    return bool(OFFICE_BEFORE.search(text[max(0, start - 16):start])
                or OFFICE_AFTER.match(text[end:end + 20])
                or _OFFICE_BEFORE_MORE.search(text[max(0, start - 24):start])
                or _OFFICE_IN_SPAN.search(text[start:end])
                or (text[start:end].endswith("丁目") and _DISTRICT_AFTER.match(text[end:end + 24])))


# 所在地：和泉市府中町4丁目20番1号, 和泉シティプラザ（…）, 和泉保健所（大阪府和泉保健所、和泉市府中町…）
_OFFICE_BEFORE_MORE = regex.compile(
    rf"所在地(?:は|が|：|:|[ 　])*$|(?:プラザ|乳児院|児童養護施設|ホール)[ 　]*[（(][ 　]*$"
    rf"|[（(][^（()）\n]{{0,16}}{OFFICE_NAME}[、，,][ 　]*$")
# （和泉市府中町2-7-5 市役所2階）: the office's floor after its street address
_OFFICE_IN_SPAN = regex.compile(r"[ 　][\p{Han}\p{Katakana}ー・]{0,14}?(?:役所|役場|庁舎|本館|別館)[0-9０-９]{0,2}[階FＦ]?$")
# 府中町三丁目、四丁目は国府小学校区: school districts, not a home
_DISTRICT_AFTER = regex.compile(r"^(?:[、・][^。\n]{0,10}?)?(?:は|が)?[^。\n]{0,8}?(?:校区|学区)")


# Two parts of one address next to each other: グランコート府中 302号室（和泉市府中町3丁目5-12）,
# レオパレスいぶき 105号 和泉市いぶき野3-1-8.
_JOIN_GAP = regex.compile(r"^(?:[ 　、，,]{0,2}(?P<open>[（(])?[ 　]?|の)$")


def _joined(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    results = sorted(results, key=lambda r: (r.start, r.end))
    joined: list[RecognizerResult] = []
    for r in results:
        last = joined[-1] if joined else None
        gap = _JOIN_GAP.match(text[last.end:r.start]) if last is not None and last.end <= r.start else None
        if last is None or gap is None:
            joined.append(r)
            continue
        last.end = r.end
        if gap.group("open") and text[r.end:r.end + 1] in ")）":
            last.end += 1
        last.score = max(last.score, r.score)
    return joined
