"""sheqing_retrain: retrain the classifier with the analysts' corrections; promote it only if it is not worse.

Weekly, Monday 03:00 Asia/Shanghai (``SHEQING_RETRAIN_SCHEDULE``), or on demand (trigger with the ``sample``
parameter for a quick run on part of the label files). The corrections made on the web page are exported from
the store, a candidate is trained on the label files plus those corrections into ``DATA_DIR/models``, both the
candidate and the model in use are evaluated on the held-out split, and the candidate becomes
``DATA_DIR/models/active.skops`` unless high+critical recall fell, or category or sentiment macro-F1 fell beyond
resampling noise (lower in 95 % of paired bootstrap samples). See dags/README.md.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, task

from sheqing.airflow_dags import STORED_POSTS, dag_args
from sheqing.settings import Settings

SAMPLE = Param(0, type="integer", minimum=0, description="Train on this many label examples (a fixed random "
                                                          "sample) plus every correction; 0 = all of them.")


@dag(**dag_args("sheqing_retrain", Settings().retrain_schedule, tags=["nlp"], retries=1,
                retry_delay=timedelta(minutes=5), max_retry_delay=timedelta(minutes=30),
                params={"sample": SAMPLE}, doc_md=__doc__))
def sheqing_retrain():
    @task(inlets=[STORED_POSTS])
    def export_corrections() -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.export_corrections()

    @task(execution_timeout=timedelta(hours=1))
    def train_candidate(corrections: dict, params=None) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.train_candidate(corrections["path"], sample=int(params["sample"]))

    @task
    def evaluate_models(candidate: dict) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.evaluate_models(candidate["path"])

    @task
    def promote_if_not_worse(evaluation: dict) -> dict:
        from sheqing import airflow_tasks

        return airflow_tasks.promote_if_not_worse(evaluation)

    promote_if_not_worse(evaluate_models(train_candidate(export_corrections())))


sheqing_retrain()
