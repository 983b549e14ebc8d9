"""Writing files so that readers never see half of one: write a temporary file beside it, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["write_json_atomic"]


def write_json_atomic(path: Path, data, *, indent: int | None = None) -> None:
    """Write ``data`` as UTF-8 JSON to ``path`` atomically (compact unless ``indent`` is given)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=indent, default=str,
                      separators=None if indent else (",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
