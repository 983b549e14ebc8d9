"""The DAG files: they import without errors, without heavy imports or side effects, and follow the house
policies. (How long parsing takes is not asserted: a test asserts no time. No heavy import is what keeps it short.)"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from .conftest import DAG_IDS, DAGS_FOLDER, POOLS

HEAVY = ("nlp", "scrapy", "sklearn", "torch", "transformers", "crawlers", "indexer", "alerts", "sheqing.pipeline",
         "twisted", "matplotlib", "elasticsearch")

PARSE = """
import json, sys
import airflow.sdk, pendulum  # what every DAG file needs: not counted as the files' own imports
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
bag = DagBag(dag_folder=sys.argv[1], known_pools=set(sys.argv[2].split(",")))
new = set(sys.modules) - before
heavy = sorted({m for m in new for h in sys.argv[3].split(",") if m == h or m.startswith(h + ".")})
print(json.dumps({"errors": bag.import_errors, "dags": sorted(bag.dags), "heavy": heavy}))
"""


def test_the_dag_files_parse_without_side_effects_or_heavy_imports(airflow_db, tmp_path):
    data_dir = tmp_path / "var"
    env = {**os.environ, "SHEQING_DATA_DIR": str(data_dir)}
    proc = subprocess.run(
        [sys.executable, "-c", PARSE, str(DAGS_FOLDER), ",".join(["default_pool", *POOLS]), ",".join(HEAVY)],
        check=False, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert result["dags"] == sorted(DAG_IDS)
    assert result["heavy"] == [], "a DAG file imports a package at parse time instead of inside its task"
    assert not data_dir.exists(), "parsing a DAG file created files in SHEQING_DATA_DIR"
    assert list(tmp_path.iterdir()) == []


def test_every_dag_follows_the_house_policies(dagbag):
    assert dagbag.import_errors == {}
    for dag_id in DAG_IDS:
        dag = dagbag.dags[dag_id]
        assert dag.fileloc.endswith(f"{dag_id}.py"), "DAG id = file name"
        assert "sheqing" in dag.tags and dag.catchup is False and dag.max_active_runs == 1
        assert dag.start_date is not None and str(dag.timetable.timezone) == "Asia/Shanghai"
        assert dag.doc_md
        for t in dag.tasks:
            if t.task_id == "check_crawls":  # reports failed crawls: retrying it changes nothing
                assert t.retries == 0
                continue
            assert t.retries >= 1, t.task_id
            assert t.retry_exponential_backoff and t.max_retry_delay, t.task_id


def test_the_monitor_maps_the_crawl_over_the_sites_in_the_crawl_pool(dagbag):
    dag = dagbag.dags["sheqing_monitor"]
    assert dag.timetable.expression == "*/15 * * * *"
    crawl = dag.get_task("crawl")
    assert crawl.is_mapped and crawl.pool == "sheqing_crawl"
    assert [a.name for a in crawl.outlets] == ["sheqing_crawl_batches"]
    assert [a.name for a in dag.get_task("enrich").inlets] == ["sheqing_crawl_batches"]
    assert dag.get_task("enrich").trigger_rule == "all_done"  # a forum that failed does not hold up the rest
    assert dag.get_task("check_crawls").trigger_rule == "one_failed"
    order = ["list_sites", "crawl", "enrich", "index", "send_alerts"]
    for upstream, downstream in itertools.pairwise(order):
        assert downstream in dag.get_task(upstream).downstream_task_ids


def test_the_brief_runs_at_eight_in_shanghai_and_retrain_weekly(dagbag):
    assert dagbag.dags["sheqing_daily_brief"].timetable.expression == "0 8 * * *"
    retrain = dagbag.dags["sheqing_retrain"]
    assert retrain.timetable.expression == "0 3 * * 1"
    assert retrain.params["sample"] == 0
    assert [t.task_id for t in retrain.topological_sort()] == [
        "export_corrections", "train_candidate", "evaluate_models", "promote_if_not_worse"]


@pytest.mark.parametrize(("variable", "value", "dag_file", "expression"), [
    ("SHEQING_MONITOR_SCHEDULE", "*/5 * * * *", "sheqing_monitor.py", "*/5 * * * *"),
    ("SHEQING_BRIEF_TIME", "07:30", "sheqing_daily_brief.py", "30 7 * * *"),
    ("SHEQING_RETRAIN_SCHEDULE", "0 2 * * 0", "sheqing_retrain.py", "0 2 * * 0"),
])
def test_schedules_come_from_the_environment(airflow_db, monkeypatch, variable, value, dag_file, expression):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv(variable, value)
    bag = DagBag(dag_folder=str(DAGS_FOLDER / dag_file), known_pools={"default_pool", *POOLS})
    assert bag.import_errors == {}
    (dag,) = bag.dags.values()
    assert dag.timetable.expression == expression
