"""sheqing_daily_brief: the day's brief (counts, risks, places, charts) as HTML, e-mailed every morning.

At 08:00 Asia/Shanghai (``SHEQING_BRIEF_TIME``, HH:MM, the same setting ``sheqing run`` uses). The brief is of
the run's scheduled day, and is e-mailed once: a marker file in ``DATA_DIR/briefs`` records the send, so a
retried or cleared run (or ``sheqing run`` on the same data folder) does not send it again. See dags/README.md.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from sheqing.airflow_dags import STORED_POSTS, dag_args, daily_at
from sheqing.settings import Settings


# retries about 2, 4, 8, 16 minutes apart: a mail relay down for half an hour
@dag(**dag_args("sheqing_daily_brief", daily_at(Settings().brief_time), tags=["brief"], retries=4,
                retry_delay=timedelta(minutes=2), max_retry_delay=timedelta(minutes=30), doc_md=__doc__))
def sheqing_daily_brief():
    @task(inlets=[STORED_POSTS])
    def send_brief(**context) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.send_brief(airflow_tasks.evaluation_time(context))

    send_brief()


sheqing_daily_brief()
