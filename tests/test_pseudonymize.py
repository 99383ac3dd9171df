from __future__ import annotations

import json
import os
import stat

import pytest

from privacy.keys import KeyFileError, generate_key_file, load_key_file
from privacy.pseudonymize import HmacPseudonymizer, normalize_id
from privacy.reid_map import ReidMapError, read_reid_map, write_reid_map


@pytest.fixture()
def key(tmp_path):
    return generate_key_file(tmp_path / "city.key")


def test_keygen_writes_private_versioned_key_and_refuses_overwrite(tmp_path):
    path = tmp_path / "city.key"
    key = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "tsunagu-key" and doc["version"] == 1 and doc["key_id"] == key.key_id
    assert len(key.secret) >= 32
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="上書きはしません"):
        generate_key_file(path)
    assert path.read_bytes() == before
    assert load_key_file(path) == key


def test_load_key_file_reports_problems(tmp_path):
    path = tmp_path / "k.key"
    with pytest.raises(KeyFileError, match="見つかりません"):
        load_key_file(path)
    path.write_text("not json", encoding="utf-8")
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError, match="JSON ではありません"):
        load_key_file(path)
    generate_key_file(tmp_path / "ok.key")
    os.chmod(tmp_path / "ok.key", 0o644)
    with pytest.raises(KeyFileError, match="権限が広すぎます"):
        load_key_file(tmp_path / "ok.key")


def test_subkeys_are_independent(key):
    assert key.pseudonym_key != key.reid_map_key
    assert key.secret not in (key.pseudonym_key, key.reid_map_key)


@pytest.mark.parametrize("raw", ["0001234567", "1234567", "１２３４５６７", " 0001234567 ", "000-1234567", "０００１２３４５６７"])
def test_normalization_makes_variants_equal(raw, key):
    ps = HmacPseudonymizer.from_key(key)
    assert normalize_id(raw, 10) == "0001234567"
    assert ps.pseudonymize("resident", [raw]) == ps.pseudonymize("resident", ["0001234567"])


@pytest.mark.parametrize("raw", [None, "", "   ", "12a4", "12345678901", "一二三"])
def test_invalid_identifiers_get_no_pseudonym(raw, key):
    assert HmacPseudonymizer.from_key(key).pseudonymize("resident", [raw]) == [None]


def test_pseudonyms_depend_on_key_purpose_and_id_type(tmp_path, key):
    other = generate_key_file(tmp_path / "other.key")
    a = HmacPseudonymizer.from_key(key)
    values = ["0000000001", "0000000002", "0000000001"]
    pa = a.pseudonymize("resident", values)
    assert pa[0] == pa[2] != pa[1]
    assert len(pa[0]) == 32 and all(c in "0123456789abcdef" for c in pa[0])
    assert HmacPseudonymizer.from_key(key).pseudonymize("resident", values) == pa  # deterministic
    assert set(HmacPseudonymizer.from_key(other).pseudonymize("resident", values)).isdisjoint(pa)
    assert set(HmacPseudonymizer.from_key(key, purpose="research").pseudonymize("resident", values)).isdisjoint(pa)
    assert set(a.pseudonymize("household", values)).isdisjoint(pa)
    with pytest.raises(KeyError):
        a.pseudonymize("my_number", values)


def test_reid_map_round_trip_and_protection(tmp_path, key):
    ps = HmacPseudonymizer.from_key(key, record_types=["resident"])
    pseudo = ps.pseudonymize("resident", ["１２３", "0000000456"])
    path = write_reid_map(tmp_path / "map.reid", key, ps.issued)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert b"0000000123" not in data and pseudo[0].encode() not in data
    back = read_reid_map(path, key)
    assert back["resident"] == {pseudo[0]: "0000000123", pseudo[1]: "0000000456"}
    other = generate_key_file(tmp_path / "other.key")
    with pytest.raises(KeyFileError, match="別の鍵"):
        read_reid_map(path, other)
    tampered = bytearray(data)
    tampered[-1] ^= 1
    (tmp_path / "bad.reid").write_bytes(bytes(tampered))
    with pytest.raises(ReidMapError, match="復号できません"):
        read_reid_map(tmp_path / "bad.reid", key)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FW = str.maketrans("0123456789", "０１２３４５６７８９")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**10 - 1), fullwidth=st.booleans(), pad=st.booleans())
def test_written_forms_of_one_id_share_a_pseudonym(n, fullwidth, pad):
    ps = HmacPseudonymizer(b"\x02" * 32, "prop")
    text = str(n).zfill(10) if pad else str(n)
    if fullwidth:
        text = text.translate(_FW)
    assert ps.pseudonymize("resident", [f" {text} "]) == ps.pseudonymize("resident", [str(n).zfill(10)])
