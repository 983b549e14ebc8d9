"""`sheqing run` and `sheqing watch` on an empty data folder: they work, and one cycle at a time."""

from __future__ import annotations

import fcntl

from click.testing import CliRunner

from sheqing.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_run_without_crawling_on_an_empty_folder(tmp_path):
    code, out = run("--data-dir", str(tmp_path), "run", "--no-crawl", "--at", "2024-03-01 06:00")
    assert code == 0, out
    assert "enrich 0 posts from 0 new batches" in out and "0 new alerts" in out


def test_a_second_cycle_on_the_same_folder_is_refused_while_one_runs(tmp_path):
    with open(tmp_path / "cycle.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, out = run("--data-dir", str(tmp_path), "run", "--no-crawl")
        assert code == 1 and "another cycle is running" in out
        code, out = run("--data-dir", str(tmp_path), "watch", "--every", "1s", "--cycles", "1")
        assert code == 0 and "skipped: another cycle is running" in out


def test_watch_rejects_a_bad_period(tmp_path):
    code, out = run("--data-dir", str(tmp_path), "watch", "--every", "soon", "--cycles", "1")
    assert code == 2 and "use seconds or a number with s, m or h" in out
