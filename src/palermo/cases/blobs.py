"""Files kept by their SHA-256 (attachments, digital exhibits): one copy per content, written atomically."""

from __future__ import annotations

import os
from pathlib import Path


def blob_path(root: Path, sha256: str) -> Path:
    """Where the content with this digest lives."""
    return root / sha256[:2] / sha256


def keep(root: Path, sha256: str, data: bytes) -> None:
    """Store content under its digest unless it is there already (written to a temporary name, then renamed)."""
    path = blob_path(root, sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
