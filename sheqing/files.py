"""Files: writing them so that readers never see half of one (a temporary file beside it, then a rename), and
reading JSON lines with errors that name the line."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_json_atomic", "json_lines"]


@contextmanager
def atomic_file(path: Path | str, *, permissions: int = 0o644, newline: str | None = None,
                binary: bool = False) -> Iterator[IO]:
    """A file to write ``path`` through: a temporary file beside it (UTF-8 text unless ``binary``), flushed to
    disk and renamed over ``path`` when the block ends; removed, leaving ``path`` as it was, if it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, permissions)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data, *, indent: int | None = None) -> None:
    """Write ``data`` as UTF-8 JSON to ``path`` atomically (compact unless ``indent`` is given)."""
    with atomic_file(path, permissions=0o600) as out:
        json.dump(data, out, ensure_ascii=False, indent=indent, default=str,
                  separators=None if indent else (",", ":"))


def json_lines(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each JSON line (blank lines skipped); a line that is not a JSON object raises
    ``ValueError`` as ``"{source}:{line}: ..."``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}:{n}: not a JSON line ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{source}:{n}: not a JSON object")
        yield n, obj
