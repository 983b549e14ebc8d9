"""The task callables on their own: the moment a run evaluates, and the data folder's lock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from sheqing import airflow_tasks
from sheqing.pipeline import CycleBusy, cycle_lock
from sheqing.settings import Settings


def test_a_run_evaluates_the_end_of_its_data_interval_in_shanghai_time():
    end = datetime(2024, 3, 1, 4, 0, tzinfo=timezone.utc)
    now = airflow_tasks.evaluation_time({"data_interval_end": end, "dag_run": SimpleNamespace(run_after=None)})
    assert now == end and now.utcoffset() == timedelta(hours=8) and now.hour == 12


def test_a_manual_run_without_a_logical_date_evaluates_when_it_was_due():
    due = datetime(2024, 3, 1, 4, 7, tzinfo=timezone.utc)
    context = {"data_interval_end": None, "dag_run": SimpleNamespace(run_after=due)}
    assert airflow_tasks.evaluation_time(context) == due


@pytest.mark.parametrize("stage", ["enrich", "index"])
def test_a_stage_waits_while_sheqing_run_holds_the_data_folder(tmp_path, stage):
    settings = Settings(data_dir=tmp_path / "var", author_secret="test")
    with cycle_lock(settings), pytest.raises(CycleBusy):
        getattr(airflow_tasks, stage)(settings)  # raised: Airflow retries the task after the back-off
    assert getattr(airflow_tasks, stage)(settings)  # and once the cycle is over, it runs
