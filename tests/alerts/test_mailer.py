"""Delivery: a real SMTP server on localhost (plain, login, STARTTLS, SSL), failures, and the outbox."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from alerts.mailer import DeliveryError, OutboxMailer, SmtpMailer, mailer_from_settings
from sheqing.settings import Settings

from .smtp_support import free_port


def message(subject: str = "[橙色预警] 翠苑小区燃气泄漏", to: str = "duty@example.org", body: str = "正文：燃气泄漏。",
            msgid: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "社情监测 <sheqing@example.org>"
    msg["To"] = to
    msg["Date"] = "Sun, 10 Mar 2024 08:00:00 +0800"
    msg["Message-ID"] = msgid or make_msgid(domain="example.org")
    msg.set_content(body)
    return msg


@pytest.mark.parametrize("smtp_server", [
    {},
    {"auth": True},
    {"tls": "starttls"},
    {"tls": "starttls", "auth": True},
    {"tls": "ssl", "auth": True},
], indirect=True, ids=["plain", "login", "starttls", "starttls-login", "ssl-login"])
def test_send_arrives_with_content(smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="alerts.mailer")
    smtp_server.mailer().send(message())
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["duty@example.org"]
    assert mail.mail_from == "sheqing@example.org"
    assert str(mail.message["Subject"]) == "[橙色预警] 翠苑小区燃气泄漏"
    assert mail.message.get_content().strip() == "正文：燃气泄漏。"
    assert "duty@example.org" in caplog.text and "翠苑小区燃气泄漏" in caplog.text


@pytest.mark.parametrize("smtp_server", [{"tls": "starttls", "auth": True}], indirect=True)
def test_wrong_password_is_a_delivery_error_naming_the_server(smtp_server):
    sleeps = []
    mailer = smtp_server.mailer(password="wrong", retries=3, sleep=sleeps.append)
    with pytest.raises(DeliveryError) as caught:
        mailer.send(message())
    text = str(caught.value)
    assert f"127.0.0.1:{smtp_server.port}" in text and "login" in text and "'user'" in text
    assert caught.value.permanent and caught.value.server == f"127.0.0.1:{smtp_server.port}"
    assert sleeps == []  # a refused login is not retried (it would only lock the account)
    assert smtp_server.messages == []


@pytest.mark.parametrize("smtp_server", [{"auth": True}], indirect=True)
def test_server_requiring_login_refuses_a_mailer_without_one(smtp_server):
    with pytest.raises(DeliveryError, match=str(smtp_server.port)):
        smtp_server.mailer(username="").send(message())


@pytest.mark.parametrize("smtp_server", [{"tls": "starttls"}], indirect=True)
def test_untrusted_certificate_is_refused(smtp_server):
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="starttls", retries=2, backoff=0)
    with pytest.raises(DeliveryError, match="certificate") as caught:
        mailer.send(message())
    assert caught.value.permanent and smtp_server.messages == []


def test_starttls_required_but_not_offered(smtp_server):
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="starttls", retries=0)
    with pytest.raises(DeliveryError, match="STARTTLS"):
        mailer.send(message())
    assert smtp_server.messages == []


def test_server_down_fails_after_retries_with_back_off():
    port = free_port()
    sleeps = []
    mailer = SmtpMailer("127.0.0.1", port, security="none", retries=2, backoff=0.5, timeout=2, sleep=sleeps.append)
    with pytest.raises(DeliveryError) as caught:
        mailer.send(message())
    assert sleeps == [0.5, 1.0]  # three attempts, exponential back-off between them
    text = str(caught.value)
    assert f"127.0.0.1:{port}" in text and "connect" in text and "3 times" in text
    assert not caught.value.permanent


def test_temporary_refusal_is_retried_then_delivered(smtp_server):
    smtp_server.refuse(451)
    attempts = []

    def sleep(seconds):  # the server recovers during the back-off
        attempts.append(seconds)
        smtp_server.accept()

    smtp_server.mailer(retries=2, sleep=sleep).send(message())
    assert attempts == [0.0]
    assert len(smtp_server.wait_for(1)) == 1


def test_permanent_refusal_is_not_retried(smtp_server):
    smtp_server.refuse(554, "5.7.1 Message rejected")
    sleeps = []
    with pytest.raises(DeliveryError, match="554") as caught:
        smtp_server.mailer(retries=3, sleep=sleeps.append).send(message())
    assert caught.value.permanent and sleeps == []


def test_server_that_comes_back_takes_the_mail(smtp_server):
    smtp_server.stop()
    mailer = smtp_server.mailer(retries=1)
    with pytest.raises(DeliveryError):
        mailer.send(message())
    smtp_server.start()
    mailer.send(message())
    assert len(smtp_server.wait_for(1)) == 1


def test_settings_choose_the_mailer(tmp_path, smtp_server):
    assert isinstance(mailer_from_settings(Settings(data_dir=tmp_path, smtp_host="")), OutboxMailer)
    mailer = mailer_from_settings(Settings(data_dir=tmp_path, smtp_retries=0, **smtp_server.settings()))
    assert isinstance(mailer, SmtpMailer) and mailer.security == "none"
    mailer.send(message())
    assert len(smtp_server.wait_for(1)) == 1


def test_settings_carry_login_and_security(tmp_path):
    settings = Settings(data_dir=tmp_path, smtp_host="mail.example.org", smtp_port=465, smtp_security="ssl",
                        smtp_username="bob", smtp_password="pw", smtp_retries=5, smtp_timeout=7)
    mailer = SmtpMailer.from_settings(settings, backoff=0)
    assert (mailer.host, mailer.port, mailer.security, mailer.username, mailer.password) == (
        "mail.example.org", 465, "ssl", "bob", "pw")
    assert (mailer.retries, mailer.timeout, mailer.backoff) == (5, 7, 0)
    assert "pw" not in repr(mailer)


# -- outbox ---------------------------------------------------------------------------------------
def test_outbox_writes_parseable_eml(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="alerts.mailer")
    outbox = tmp_path / "outbox"
    msg = message(msgid="<abc/../x@example.org>")
    OutboxMailer(outbox).send(msg)
    [path] = list(outbox.iterdir())
    assert path.name == "20240310T000000Z-abc_.._x@example.org.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert str(parsed["Subject"]) == "[橙色预警] 翠苑小区燃气泄漏"
    assert parsed.get_content().strip() == "正文：燃气泄漏。"
    assert "duty@example.org" in caplog.text and path.name in caplog.text


def test_outbox_never_clobbers_and_does_not_repeat(tmp_path):
    outbox = OutboxMailer(tmp_path)
    first = message(body="第一封", msgid="<same@example.org>")
    second = message(body="第二封", msgid="<same@example.org>")
    outbox.send(first)
    outbox.send(second)  # a different message under the same name: kept beside it
    outbox.send(first)  # the very same message again: not written twice
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["20240310T000000Z-same@example.org-1.eml", "20240310T000000Z-same@example.org.eml"]
    bodies = {email.message_from_bytes((tmp_path / f).read_bytes(), policy=email.policy.default).get_content()
              .strip() for f in files}
    assert bodies == {"第一封", "第二封"}


def test_outbox_writes_atomically_from_threads(tmp_path):
    outbox = OutboxMailer(tmp_path)
    messages = [message(body=f"第{n}封", msgid="<race@example.org>") for n in range(8)]
    threads = [threading.Thread(target=outbox.send, args=(m,)) for m in messages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 8 and all(n.endswith(".eml") for n in names)  # no temporary files left behind
    bodies = sorted(email.message_from_bytes((tmp_path / n).read_bytes(), policy=email.policy.default)
                    .get_content().strip() for n in names)
    assert bodies == sorted(f"第{n}封" for n in range(8))


def test_outbox_that_cannot_be_written_is_a_delivery_error(tmp_path):
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DeliveryError, match="outbox"):
        OutboxMailer(blocker).send(message())
