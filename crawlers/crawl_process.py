"""The body of one crawl subprocess: ``python -m crawlers.crawl_process SITE``.

Twisted's reactor cannot be restarted, so every crawl runs in its own process (see ``crawlers.runner``).
This module builds the Scrapy settings from sheqing's settings and the site file, runs the engine's spider
once, and leaves ``RUN_ID.stats.json`` next to the batch. Exit status 0 = the crawl ran to its end (errors
on single pages are in the stats), 2 = bad configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from sheqing.settings import Settings

from . import settings as default_scrapy_settings
from .batches import new_run_id
from .siteconfig import SiteConfig, SiteConfigError, load_site
from .spiders import SPIDERS


def scrapy_settings(cfg: Settings, site: SiteConfig, run_id: str, log_level: str = "INFO") -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule(default_scrapy_settings, priority="project")
    s.update(
        {
            "USER_AGENT": cfg.user_agent,
            "ROBOTSTXT_OBEY": cfg.obey_robots,
            "CONCURRENT_REQUESTS_PER_DOMAIN": site.limits.concurrency or cfg.concurrency_per_domain,
            "DOWNLOAD_DELAY": cfg.download_delay if site.limits.download_delay is None else site.limits.download_delay,
            "AUTOTHROTTLE_ENABLED": cfg.autothrottle,
            "RETRY_TIMES": cfg.retry_times,
            "DOWNLOAD_MAXSIZE": cfg.max_page_bytes,
            "DOWNLOAD_WARNSIZE": cfg.max_page_bytes // 2,
            "LOG_LEVEL": log_level,
            "SHEQING_SITE": site.name,
            "SHEQING_RUN_ID": run_id,
            "SHEQING_AUTHOR_KEY_HEX": cfg.author_key().hex(),
            "SHEQING_MAX_POST_CHARS": cfg.max_post_chars,
            "SHEQING_RETRY_MAX_WAIT": cfg.retry_max_wait,
            "SHEQING_STATE_PATH": str(cfg.state_path),
            "SHEQING_BATCHES_DIR": str(cfg.batches_dir),
        },
        priority="cmdline",
    )
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run one crawl of one site (used by `sheqing crawl`).")
    ap.add_argument("site")
    ap.add_argument("--run-id", default=None)
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args(argv)
    cfg = Settings()
    try:
        site = load_site(args.site, cfg)
    except SiteConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_id = args.run_id or new_run_id()
    process = CrawlerProcess(scrapy_settings(cfg, site, run_id, args.log_level))
    process.crawl(
        SPIDERS[site.engine], site=site, state_path=str(cfg.state_path), failed_dir=str(cfg.failed_dir)
    )
    logging.getLogger(__name__).info("crawling %s (%s) as run %s", site.name, site.base_url, run_id)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
