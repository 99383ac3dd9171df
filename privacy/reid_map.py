"""The encrypted re-identification map (pseudonym -> original identifier).

Kept outside the mart, for authorized re-identification only. AES-256-GCM with a key derived
from the key file by HKDF (independent of the HMAC subkey). File layout:

    b"TSUNAGU-REID\\n" + header JSON (one line, also the AEAD associated data) + b"\\n" + nonce(12) + ciphertext

The plaintext is zlib-compressed JSON ``{id_type: {pseudonym: id}}``.
"""

from __future__ import annotations

import json
import os
import secrets
import zlib
from collections.abc import Mapping
from pathlib import Path

from engine.errors import Category, TsunaguError
from privacy.keys import KeyFile, KeyFileError

MAGIC = b"TSUNAGU-REID\n"
FORMAT_VERSION = 1


class ReidMapError(TsunaguError, ValueError):
    """A map that cannot be written or read; Japanese message."""

    category = Category.UNAVAILABLE


def write_reid_map(path: str | Path, key: KeyFile, entries: Mapping[str, Mapping[str, str]]) -> Path:
    """Encrypt and write atomically (temp file + os.replace), mode 600."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = Path(path)
    if not path.parent.is_dir():
        raise ReidMapError(f"再識別対応表の保存先フォルダがありません: {path.parent}")
    header = json.dumps(
        {"format": "tsunagu-reid-map", "version": FORMAT_VERSION, "key_id": key.key_id,
         "counts": {t: len(m) for t, m in sorted(entries.items())}},
        ensure_ascii=True, sort_keys=True,
    ).encode("ascii")
    plain = zlib.compress(json.dumps({t: dict(sorted(m.items())) for t, m in entries.items()},
                                     ensure_ascii=False, sort_keys=True).encode("utf-8"), 6)
    nonce = secrets.token_bytes(12)
    cipher = AESGCM(key.reid_map_key).encrypt(nonce, plain, header)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + header + b"\n" + nonce + cipher)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    os.chmod(path, 0o600)
    return path


def read_reid_map(path: str | Path, key: KeyFile) -> dict[str, dict[str, str]]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = Path(path)
    if not path.is_file():
        raise ReidMapError(f"再識別対応表 {path} が見つかりません")
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ReidMapError(f"{path} は再識別対応表ではありません")
    rest = data[len(MAGIC):]
    header, sep, body = rest.partition(b"\n")
    if not sep or len(body) < 13:
        raise ReidMapError(f"再識別対応表 {path} が壊れています")
    meta = json.loads(header)
    if meta.get("key_id") != key.key_id:
        raise KeyFileError(f"再識別対応表 {path} は別の鍵 ({meta.get('key_id')}) で作られています")
    try:
        plain = AESGCM(key.reid_map_key).decrypt(body[:12], body[12:], header)
    except InvalidTag:
        raise ReidMapError(f"再識別対応表 {path} を復号できません (鍵が違うか、改ざんされています)") from None
    return json.loads(zlib.decompress(plain))
