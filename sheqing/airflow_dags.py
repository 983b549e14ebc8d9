"""What the three DAG files in ``dags/`` share, so that each file only wires its tasks.

The assets that connect the stages, the crawl pool, and ``dag_args``: the schedule as a cron timetable in
Asia/Shanghai time, the common start date, ``catchup=False``, ``max_active_runs=1`` (the stages share the data
folder), and retries with exponential back-off (in Airflow 3.3 ``retry_exponential_backoff`` is a multiplier:
``True`` would mean 1.0, no back-off). Imported at DAG-parse time: only ``airflow.sdk``, ``pendulum`` and the
settings, nothing heavy.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable

__all__ = ["CRAWL_POOL", "CRAWL_BATCHES", "ENRICHED_BATCHES", "STORED_POSTS", "dag_args", "daily_at"]

CRAWL_POOL = "sheqing_crawl"
CRAWL_BATCHES = Asset(name="sheqing_crawl_batches", uri="x-sheqing://data/batches", group="sheqing")
ENRICHED_BATCHES = Asset(name="sheqing_enriched_batches", uri="x-sheqing://data/enriched", group="sheqing")
STORED_POSTS = Asset(name="sheqing_posts", uri="x-sheqing://store/posts", group="sheqing")
START = pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai")


def daily_at(hh_mm: str) -> str:
    """The cron expression of a daily time ``HH:MM``."""
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return f"{minute} {hour} * * *"


def dag_args(dag_id: str, cron: str, *, tags: list[str], retries: int, retry_delay: timedelta,
             max_retry_delay: timedelta, doc_md: str | None = None, **extra) -> dict:
    """Keyword arguments of ``@dag`` for a sheqing DAG (see the module docstring)."""
    return dict(
        dag_id=dag_id, schedule=CronTriggerTimetable(cron, timezone="Asia/Shanghai"), start_date=START,
        catchup=False, max_active_runs=1, tags=["sheqing", *tags], doc_md=doc_md,
        default_args={"owner": "sheqing", "retries": retries, "retry_delay": retry_delay,
                      "retry_exponential_backoff": 2.0, "max_retry_delay": max_retry_delay},
        **extra,
    )
