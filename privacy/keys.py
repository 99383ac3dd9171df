"""Secret key files for pseudonymization.

A key file is a small JSON document (format ``tsunagu-key``, version 1) holding a
random 32-byte secret and a key id. Two subkeys are derived from the secret with
HKDF-SHA256 under different ``info`` labels, so that the HMAC key for pseudonyms
and the AES key of the re-identification map are independent.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import Category, TsunaguError

KEY_FORMAT = "tsunagu-key"
KEY_FILE_VERSION = 1
SECRET_BYTES = 32
INFO_PSEUDONYM = b"tsunagu/pseudonym-hmac/v1"
INFO_REID_MAP = b"tsunagu/reid-map-aes-gcm/v1"


class KeyFileError(TsunaguError, ValueError):
    """A key file that cannot be used; the message is Japanese, for staff."""

    category = Category.UNAVAILABLE


@dataclass(frozen=True)
class KeyFile:
    key_id: str
    secret: bytes
    created: str
    version: int = KEY_FILE_VERSION

    def subkey(self, info: bytes, length: int = 32) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=length, salt=self.key_id.encode("utf-8"), info=info).derive(
            self.secret
        )

    @property
    def pseudonym_key(self) -> bytes:
        return self.subkey(INFO_PSEUDONYM)

    @property
    def reid_map_key(self) -> bytes:
        return self.subkey(INFO_REID_MAP)


def generate_key_file(path: str | Path) -> KeyFile:
    """Create a new key file (mode 600); refuse to overwrite an existing one."""
    path = Path(path)
    secret = secrets.token_bytes(SECRET_BYTES)
    key = KeyFile(
        key_id="k" + secrets.token_hex(6),
        secret=secret,
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
    doc = {
        "format": KEY_FORMAT,
        "version": key.version,
        "key_id": key.key_id,
        "created": key.created,
        "secret": base64.b64encode(secret).decode("ascii"),
    }
    if not path.parent.is_dir():
        # A new key folder is readable by its owner only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"鍵ファイル {path} は既にあります。上書きはしません (鍵を替えると仮名が変わります)") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    os.chmod(path, 0o600)
    return key


def load_key_file(path: str | Path) -> KeyFile:
    """Read and check a key file; every problem is reported in Japanese with the path."""
    path = Path(path)
    if not path.is_file():
        raise KeyFileError(f"鍵ファイル {path} が見つかりません")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"鍵ファイル {path} の権限が広すぎます ({oct(mode)})。chmod 600 にしてください")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyFileError(f"鍵ファイル {path} を読めません (JSON ではありません): {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
        raise KeyFileError(f"鍵ファイル {path} は Tsunagu の鍵ではありません (format が {KEY_FORMAT} ではありません)")
    if doc.get("version") != KEY_FILE_VERSION:
        raise KeyFileError(f"鍵ファイル {path} の版 {doc.get('version')!r} には対応していません (対応: {KEY_FILE_VERSION})")
    key_id = doc.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        raise KeyFileError(f"鍵ファイル {path} に key_id がありません")
    try:
        secret = base64.b64decode(doc.get("secret", ""), validate=True)
    except (ValueError, TypeError):
        raise KeyFileError(f"鍵ファイル {path} の secret が base64 ではありません") from None
    if len(secret) < SECRET_BYTES:
        raise KeyFileError(f"鍵ファイル {path} の secret が短すぎます ({len(secret)} バイト、{SECRET_BYTES} バイト以上が必要)")
    return KeyFile(key_id=key_id, secret=secret, created=str(doc.get("created", "")), version=KEY_FILE_VERSION)
