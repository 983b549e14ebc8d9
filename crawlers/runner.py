"""Run crawls in subprocesses, so any number of them can run in one program (Twisted's reactor can't restart).

``crawl_site(name, settings)`` starts ``python -m crawlers.crawl_process NAME`` with the given settings in
its environment, waits for it (bounded by ``crawl_timeout``), and returns a ``CrawlReport`` built from the
stats file the crawl left next to its batch. The crawl's log goes to ``DATA_DIR/logs/SITE/RUN_ID.log``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sheqing.settings import Settings

from .batches import new_run_id

__all__ = ["CrawlReport", "crawl_site", "settings_env"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlReport:
    site: str
    run_id: str
    ok: bool
    returncode: int | None
    log_path: Path
    stats: dict = field(default_factory=dict)
    problem: str | None = None

    @property
    def batch(self) -> Path | None:
        return Path(self.stats["batch"]) if self.stats.get("batch") else None

    def summary(self) -> str:
        if not self.stats:
            return f"{self.site}: crawl failed ({self.problem}); see {self.log_path}"
        s = self.stats
        return (f"{self.site}: {s['pages']} pages, {s['posts']} posts read, {s['new_posts']} new, "
                f"{s['errors']} errors in {s['duration_s']:.1f} s")


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as SHEQING_* environment variables, so a subprocess sees exactly the same values."""
    env = {}
    for name, value in settings:
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        elif isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, Path):
            value = value.resolve()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[f"SHEQING_{name.upper()}"] = str(value)
    return env


def crawl_site(site: str, settings: Settings, *, log_level: str = "INFO", echo: bool = False) -> CrawlReport:
    """Crawl one site once in a subprocess and report what happened. Never raises for a failed crawl."""
    settings.author_key()  # create the key once here, not concurrently in several children
    run_id = new_run_id()
    log_path = settings.data_dir / "logs" / site / f"{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": _pythonpath()}
    cmd = [sys.executable, "-m", "crawlers.crawl_process", site, "--run-id", run_id, "--log-level", log_level]
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            proc = subprocess.run(
                cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                timeout=settings.crawl_timeout,
            )
            code, problem = proc.returncode, None if proc.returncode == 0 else f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired:
            code, problem = None, f"stopped after {settings.crawl_timeout:.0f} s (SHEQING_CRAWL_TIMEOUT)"
    if echo:
        sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace"))
    stats_path = settings.batches_dir / site / f"{run_id}.stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    if problem is None and not stats:
        problem = "the crawl left no statistics"
    if problem and code == 2:
        problem = _last_line(log_path) or problem
    return CrawlReport(site, run_id, problem is None, code, log_path, stats, problem)


def _pythonpath() -> str:
    existing = os.environ.get("PYTHONPATH")
    return f"{PROJECT_ROOT}{os.pathsep}{existing}" if existing else str(PROJECT_ROOT)


def _last_line(path: Path) -> str | None:
    lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    return lines[-1] if lines else None
