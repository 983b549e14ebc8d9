"""sheqing_daily_brief: the day's brief (counts, risks, places, charts) as HTML, e-mailed every morning.

At 08:00 Asia/Shanghai (``SHEQING_BRIEF_TIME``, HH:MM, the same setting ``sheqing run`` uses). The brief is of
the run's scheduled day, and is e-mailed once: a marker file in ``DATA_DIR/briefs`` records the send, so a
retried or cleared run (or ``sheqing run`` on the same data folder) does not send it again. See dags/README.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from sheqing.settings import Settings

HOUR, MINUTE = (int(part) for part in Settings().brief_time.split(":"))  # SHEQING_BRIEF_TIME
STORED_POSTS = Asset(name="sheqing_posts", uri="x-sheqing://store/posts", group="sheqing")


@dag(
    dag_id="sheqing_daily_brief",
    schedule=CronTriggerTimetable(f"{MINUTE} {HOUR} * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["sheqing", "brief"],
    default_args={
        "owner": "sheqing",
        "retries": 4,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,  # about 2, 4, 8, 16 minutes: a mail relay down for half an hour
        "max_retry_delay": timedelta(minutes=30),
    },
    doc_md=__doc__,
)
def sheqing_daily_brief():
    @task(inlets=[STORED_POSTS])
    def send_brief(**context) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.send_brief(airflow_tasks.evaluation_time(context))

    send_brief()


sheqing_daily_brief()
