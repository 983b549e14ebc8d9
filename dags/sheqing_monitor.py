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

from airflow.sdk import TriggerRule, dag, task

from sheqing.airflow_dags import CRAWL_BATCHES, CRAWL_POOL, ENRICHED_BATCHES, STORED_POSTS, dag_args
from sheqing.settings import Settings


@dag(**dag_args("sheqing_monitor", Settings().monitor_schedule, tags=["monitor"], retries=3,
                retry_delay=timedelta(minutes=1), max_retry_delay=timedelta(minutes=10),
                dagrun_timeout=timedelta(hours=2), doc_md=__doc__))
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
        from sheqing.airflow_tasks import fail_for_failed_crawls

        fail_for_failed_crawls()

    crawls = crawl.expand(site=list_sites())
    crawls >> enrich() >> index() >> send_alerts()
    crawls >> check_crawls()


sheqing_monitor()
