from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from sheqing.records import Post, make_author_key, make_post_id
from sheqing.settings import Settings

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def post(**over):
    fields = dict(id="riverside:1001", site="riverside", engine="discuz", board="2", thread_id="55",
                  post_id="1001", floor=1, url="http://f/t", title="燃气味", text="楼道燃气味很重",
                  author_key="0123456789abcdef", published_at=NOW, crawled_at=NOW)
    fields.update(over)
    return Post(**fields)


def test_post_id_is_derived_from_site_and_forum_id_only():
    assert make_post_id("riverside", "1001") == "riverside:1001"
    assert post().id == "riverside:1001"
    with pytest.raises(ValidationError, match="should be 'riverside:1001'"):
        post(id="riverside:9")


def test_post_rejects_naive_times_blank_text_and_raw_author_names():
    with pytest.raises(ValidationError, match="time zone"):
        post(published_at=datetime(2024, 5, 1, 8, 0))
    with pytest.raises(ValidationError, match="empty"):
        post(text="   ")
    with pytest.raises(ValidationError):
        post(author_key="江边老王")
    with pytest.raises(ValidationError):
        post(unexpected="x")


def test_author_key_is_keyed_stable_and_site_scoped():
    a = make_author_key(b"secret-1", "riverside", "77")
    assert a == make_author_key(b"secret-1", "riverside", "77") and len(a) == 16
    assert a != make_author_key(b"secret-2", "riverside", "77")
    assert a != make_author_key(b"secret-1", "oldtown", "77")


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEQING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHEQING_SITES", "riverside, oldtown")
    monkeypatch.setenv("SHEQING_CONCURRENCY_PER_DOMAIN", "3")
    s = Settings()
    assert s.data_dir == tmp_path and s.sites == ["riverside", "oldtown"] and s.concurrency_per_domain == 3
    assert Settings(data_dir=tmp_path / "x").data_dir == tmp_path / "x"  # explicit argument wins
    monkeypatch.setenv("SHEQING_CONCURRENCY_PER_DOMAIN", "zero")
    with pytest.raises(ValidationError, match="concurrency_per_domain"):
        Settings()


def test_author_key_file_is_created_once_and_private(tmp_path):
    s = Settings(data_dir=tmp_path)
    key = s.author_key()
    assert key == Settings(data_dir=tmp_path).author_key() and len(key) == 64
    assert (tmp_path / "author.key").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path, author_secret="explicit").author_key() == b"explicit"
