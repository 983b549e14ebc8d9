"""sheqing_monitor: crawl every enabled forum, then enrich, index, evaluate the alert rules and send e-mails.

Every 15 minutes (``SHEQING_MONITOR_SCHEDULE``, a cron expression in Asia/Shanghai time). ``crawl`` is mapped
over the enabled sites at run time (one task instance and one crawl subprocess per site, in the
``sheqing_crawl`` pool); the stages after it handle every pending batch, from this run or an earlier one that
stopped half-way, and run even if a forum could not be crawled; ``check_crawls`` then fails the run so the
failure is seen. Alerts are evaluated at the end of the run's data interval, not at the wall clock.
See dags/README.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, TriggerRule, dag, task

from sheqing.settings import Settings

SCHEDULE = Settings().monitor_schedule  # SHEQING_MONITOR_SCHEDULE
CRAWL_POOL = "sheqing_crawl"

CRAWL_BATCHES = Asset(name="sheqing_crawl_batches", uri="x-sheqing://data/batches", group="sheqing")
ENRICHED_BATCHES = Asset(name="sheqing_enriched_batches", uri="x-sheqing://data/enriched", group="sheqing")
STORED_POSTS = Asset(name="sheqing_posts", uri="x-sheqing://store/posts", group="sheqing")


@dag(
    dag_id="sheqing_monitor",
    schedule=CronTriggerTimetable(SCHEDULE, timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,  # runs never overlap: the stages share the data folder (as `sheqing run`'s cycle lock)
    dagrun_timeout=timedelta(hours=2),
    tags=["sheqing", "monitor"],
    default_args={
        "owner": "sheqing",
        "retries": 3,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,  # a multiplier: about 1, 2, 4 minutes (True = 1.0 = none)
        "max_retry_delay": timedelta(minutes=10),
    },
    doc_md=__doc__,
)
def sheqing_monitor():
    @task
    def list_sites() -> list[str]:
        from sheqing.airflow_tasks import enabled_sites

        return enabled_sites()

    @task(pool=CRAWL_POOL, retries=2, execution_timeout=timedelta(hours=1), outlets=[CRAWL_BATCHES])
    def crawl(site: str, outlet_events=None) -> dict:
        from sheqing import airflow_tasks

        result = airflow_tasks.crawl(site)
        outlet_events[CRAWL_BATCHES].extra = result
        return result

    @task(trigger_rule=TriggerRule.ALL_DONE, inlets=[CRAWL_BATCHES], outlets=[ENRICHED_BATCHES])
    def enrich() -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.enrich()

    @task(inlets=[ENRICHED_BATCHES], outlets=[STORED_POSTS])
    def index() -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.index()  # StoreUnavailable: retried, the batches stay pending

    @task(inlets=[STORED_POSTS])
    def send_alerts(**context) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.send_alerts(airflow_tasks.evaluation_time(context))

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def check_crawls() -> None:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException("a forum could not be crawled (see the failed crawl task); the others were "
                                   "processed")

    crawls = crawl.expand(site=list_sites())
    crawls >> enrich() >> index() >> send_alerts()
    crawls >> check_crawls()


sheqing_monitor()
