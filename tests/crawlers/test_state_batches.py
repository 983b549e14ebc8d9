from datetime import datetime, timezone

from crawlers.batches import BatchWriter
from crawlers.state import CrawlState, ThreadProgress
from sheqing.records import Post

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def make_post(pid: str) -> Post:
    return Post(id=f"s:{pid}", site="s", engine="discuz", board="1", thread_id="1", post_id=pid, url="http://f",
                title="t", text="正文", author_key="0" * 16, published_at=NOW, crawled_at=NOW)


def test_batch_is_invisible_until_committed_and_stale_parts_are_cleared(tmp_path):
    w = BatchWriter(tmp_path, "s", "run1")
    w.write(make_post("1"))
    assert list((tmp_path / "s").glob("*.jsonl")) == []
    path = w.commit()
    assert path.name == "run1.jsonl" and path.read_text().count("\n") == 1
    dead = BatchWriter(tmp_path, "s", "run2")
    dead.write(make_post("2"))  # the process "dies" here: the part is never committed
    BatchWriter(tmp_path, "s", "run3").discard()
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["run1.jsonl"]


def test_state_survives_reopening_and_commits_all_or_nothing(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite")
    state.commit([ThreadProgress("s", "1", "55", 2, True, 14)], {("s", "1001"): "abc"})
    state.close()
    again = CrawlState(tmp_path / "state.sqlite")
    assert again.thread("s", "55") == ThreadProgress("s", "1", "55", 2, True, 14)
    assert again.seen_digests("s") == {"1001": "abc"}
    assert again.thread("s", "56") is None
    try:
        again.commit([ThreadProgress("s", "1", "56", 1, False, None)], {("s", None): "x"})  # NOT NULL fails
    except Exception:
        pass
    assert again.thread("s", "56") is None  # the failed commit left nothing behind
