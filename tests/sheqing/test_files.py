"""atomic_file: a reader sees the old file or the new one, never half of one, and no temporary is left."""

from __future__ import annotations

import pytest

from sheqing.files import atomic_file


def test_the_new_content_replaces_the_file_whole(tmp_path):
    path = tmp_path / "sub" / "out.txt"
    with atomic_file(path) as out:
        out.write("第一行\n")
        assert not path.exists()  # nothing visible before the block ends
    assert path.read_text(encoding="utf-8") == "第一行\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_file(path, permissions=0o600) as out:
        out.write("half")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_binary_and_private(tmp_path):
    path = tmp_path / "model.bin"
    with atomic_file(path, binary=True, permissions=0o600) as out:
        out.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01" and path.stat().st_mode & 0o777 == 0o600
