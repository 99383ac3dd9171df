"""The analyzer, guard and mart scan run without any network access (no model hub, no tldextract)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import socket

def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from privacy.pii.guard import guard_text

result = guard_text("山田太郎くん taro@example.jp 090-1234-5678 https://example.com")
assert result.verdict == "block", result
assert {f.type for f in result.findings} >= {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"}
print("offline ok")
"""


def test_guard_runs_with_network_refused():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "offline ok" in proc.stdout
