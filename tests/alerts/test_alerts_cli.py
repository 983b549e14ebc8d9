"""`sheqing alerts ...` and `sheqing brief` over a real SQLite store: the outbox in demo mode, SMTP otherwise."""

from __future__ import annotations

import email
import email.policy

from click.testing import CliRunner

from indexer.sqlite_store import SqliteStore
from sheqing.cli import main
from tests.indexer.samples import make_posts


AT = "2024-03-09 13:00"  # an hour after the school-canteen post (high risk)


def data_dir(tmp_path):
    with SqliteStore(tmp_path / "sheqing.sqlite") as store:
        store.upsert_posts(make_posts())
    return str(tmp_path)


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_alerts_run_writes_eml_files_to_the_outbox_and_suppresses_repeats(tmp_path, monkeypatch):
    monkeypatch.delenv("SHEQING_SMTP_HOST", raising=False)
    data = data_dir(tmp_path)
    code, out = run("--data-dir", data, "alerts", "run", "--at", AT)
    assert code == 0 and "e-mails written to" in out
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert files, out
    mails = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert all(m["Subject"].startswith("[") for m in mails)
    code, out = run("--data-dir", data, "alerts", "run", "--at", AT)
    assert "0 new alerts" in out and "0 e-mails sent" in out
    assert sorted((tmp_path / "outbox").glob("*.eml")) == files

    code, out = run("--data-dir", data, "alerts", "list", "--status", "new")
    fingerprint = out.splitlines()[0].split()[-1]
    code, out = run("--data-dir", data, "alerts", "ack", fingerprint, "--by", "monitor1", "--note", "已派人")
    assert code == 0 and out.strip() == f"{fingerprint}: acknowledged"
    code, out = run("--data-dir", data, "alerts", "ack", "nope", "--by", "m")
    assert code == 1 and "Error: no alert with fingerprint 'nope'" in out  # (the message, not its repr)


def test_a_broken_rule_folder_is_refused_with_the_file_and_line(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text("- name: x\n  type: post\n  min_risk: awful\n", encoding="utf-8")
    code, out = run("--data-dir", data_dir(tmp_path), "alerts", "run", env={"SHEQING_ALERT_RULES_DIR": str(rules)})
    assert code == 1 and f"{rules / 'mine.yaml'}:3: rule 'x', min_risk" in out


def test_brief_is_written_and_sent_once_a_day(tmp_path, smtp_server):
    env = {f"SHEQING_{k.upper()}": str(v) for k, v in smtp_server.settings().items()}
    data = data_dir(tmp_path)
    code, out = run("--data-dir", data, "brief", "--at", "2024-03-10 07:00", "--if-due", env=env)
    assert code == 0 and "not due" in out
    code, out = run("--data-dir", data, "brief", "--at", "2024-03-10 08:05", "--if-due", env=env)
    assert code == 0 and "e-mailed to" in out
    assert (tmp_path / "briefs" / "brief-2024-03-10.html").exists()
    mail = smtp_server.wait_for(1)[0]
    assert mail.message["Subject"].startswith("社情日报 2024-03-10")
    assert sorted(mail.rcpt_tos) == ["director@district-office.example.org", "duty@district-office.example.org"]
    code, out = run("--data-dir", data, "brief", "--at", "2024-03-10 09:00", env=env)
    assert "already e-mailed" in out and len(smtp_server.messages) == 1
    code, out = run("--data-dir", data, "brief", "--at", "2024-03-10 10:00", "--if-due", env=env)
    assert "not due" in out


def test_brief_waits_when_the_mail_server_is_down(tmp_path):
    from .smtp_support import free_port

    env = {"SHEQING_SMTP_HOST": "127.0.0.1", "SHEQING_SMTP_PORT": str(free_port()), "SHEQING_SMTP_SECURITY": "none",
           "SHEQING_SMTP_RETRIES": "0"}
    data = data_dir(tmp_path)
    code, out = run("--data-dir", data, "brief", "--at", "2024-03-10 08:05", env=env)
    assert code == 1 and "could not send" in out
    assert not (tmp_path / "briefs" / "brief-2024-03-10.sent").exists()  # the next run sends it
