"""Delivering e-mails: over SMTP, or into an outbox folder of ``.eml`` files for the demo.

Both mailers have one method, ``send(msg)``, which returns when the message is handed over and raises
``DeliveryError`` when it could not be: the caller then leaves the alert pending for the next run.

``SmtpMailer`` speaks STARTTLS (port 587), implicit TLS (``ssl``, port 465) or plain SMTP (``none``, a relay on
localhost only), logs in when a user is configured, and retries a send that failed for a temporary reason
(connection refused or dropped, timeouts, 4xx answers) with a short exponential back-off. A permanent refusal
(wrong password, unknown recipient, 5xx) is not retried: retrying cannot help and may lock the account.

``OutboxMailer`` writes each message to ``<UTC time>-<message id>.eml``: written to a temporary name and then
linked into place, so readers never see half a file and a different message is never overwritten (a
repeat of the very same message is recognised and written once). ``mailer_from_settings`` picks SMTP when
``SHEQING_SMTP_HOST`` is set, else the outbox.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sheqing.settings import Settings

__all__ = ["Mailer", "DeliveryError", "SmtpMailer", "OutboxMailer", "mailer_from_settings", "recipients_of"]

log = logging.getLogger(__name__)
SECURITY_MODES = ("starttls", "ssl", "none")


class DeliveryError(RuntimeError):
    """An e-mail could not be handed to the mail server; nothing was sent, try again on the next run.

    ``permanent`` is True when the server refused for a reason that retrying will not fix (a wrong password,
    an unknown recipient, a 5xx answer): someone has to change the configuration.
    """

    def __init__(self, message: str, *, server: str = "", permanent: bool = False):
        super().__init__(message)
        self.server = server
        self.permanent = permanent


class Mailer(Protocol):
    def send(self, msg: EmailMessage) -> None: ...


def recipients_of(msg: EmailMessage) -> list[str]:
    """The addresses a message goes to (To, Cc, Bcc)."""
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in (msg.get_all(name) or [])]
    return [addr for _, addr in getaddresses(fields) if addr]


def _describe(msg: EmailMessage) -> str:
    return f"“{msg.get('Subject', '')}” to {', '.join(recipients_of(msg)) or 'nobody'}"


class _Failure(Exception):
    def __init__(self, reason: str, permanent: bool):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class SmtpMailer:
    """Send through an SMTP server; see the module docstring for security modes and retries."""

    def __init__(self, host: str, port: int = 587, *, security: str = "starttls", username: str = "",
                 password: str = "", timeout: float = 30.0, retries: int = 2, backoff: float = 2.0,
                 ssl_context: ssl.SSLContext | None = None, local_hostname: str | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        if security not in SECURITY_MODES:
            raise ValueError(f"unknown SMTP security {security!r}; choose one of {', '.join(SECURITY_MODES)}")
        if not host:
            raise ValueError("SmtpMailer needs a host")
        self.host, self.port, self.security = host, int(port), security
        self.username, self.password = username, password
        self.timeout, self.retries, self.backoff = timeout, max(0, int(retries)), max(0.0, backoff)
        self.ssl_context, self.local_hostname, self.sleep = ssl_context, local_hostname, sleep
        if username and security == "none" and host not in ("localhost", "127.0.0.1", "::1"):
            log.warning("SMTP password for %s will cross the network unencrypted (security 'none'); "
                        "use starttls or ssl", self.server)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> SmtpMailer:
        """The mailer the ``SHEQING_SMTP_*`` settings describe; keyword arguments override them."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        options = dict(port=settings.smtp_port, security=settings.smtp_security, username=settings.smtp_username,
                       password=password, timeout=settings.smtp_timeout, retries=settings.smtp_retries)
        if settings.smtp_ca_certs is not None:
            options["ssl_context"] = ssl.create_default_context(cafile=str(settings.smtp_ca_certs))
        return cls(settings.smtp_host, **{**options, **overrides})

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpMailer({self.server}, security={self.security!r}, user={self.username!r})"

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` to the server, retrying temporary failures; ``DeliveryError`` after the last one."""
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                refused = self._send_once(msg)
            except _Failure as failure:
                if failure.permanent or attempt == attempts:
                    tries = "" if failure.permanent else f" (tried {attempts} time{'s' if attempts > 1 else ''})"
                    raise DeliveryError(f"could not send e-mail {_describe(msg)} through SMTP server {self.server}: "
                                        f"{failure.reason}{tries}", server=self.server,
                                        permanent=failure.permanent) from None
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("sending e-mail %s through %s failed (attempt %d of %d): %s; retrying in %.1f s",
                            _describe(msg), self.server, attempt, attempts, failure.reason, delay)
                self.sleep(delay)
                continue
            if refused:
                log.warning("SMTP server %s refused some recipients of %s: %s", self.server, _describe(msg),
                            "; ".join(f"{addr} ({_answer(code, text)})" for addr, (code, text) in refused.items()))
            log.info("sent e-mail %s through %s", _describe(msg), self.server)
            return

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _send_once(self, msg: EmailMessage) -> dict:
        try:
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                          timeout=self.timeout, context=self._context())
            else:
                client = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
        except smtplib.SMTPConnectError as exc:
            raise _Failure(f"the server refused the connection ({_answer(exc.smtp_code, exc.smtp_error)})",
                           permanent=False) from None
        except ssl.SSLCertVerificationError as exc:
            raise _Failure(f"its TLS certificate could not be verified ({exc.verify_message or exc})",
                           permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Failure(f"could not connect ({_plain(exc)})", permanent=False) from None
        try:
            with client:
                if self.security == "starttls":
                    client.ehlo()
                    if not client.has_extn("starttls"):
                        raise _Failure("the server does not offer STARTTLS, and the password and the e-mail must "
                                       "not travel unencrypted (set security to 'ssl', or 'none' for a local relay)",
                                       permanent=True)
                    client.starttls(context=self._context())
                    client.ehlo()
                if self.username:
                    try:
                        client.login(self.username, self.password)
                    except smtplib.SMTPAuthenticationError as exc:
                        raise _Failure(f"the server refused the login of user {self.username!r} "
                                       f"({_answer(exc.smtp_code, exc.smtp_error)})", permanent=True) from None
                    except smtplib.SMTPNotSupportedError:
                        raise _Failure("the server does not offer login (AUTH) on this connection",
                                       permanent=True) from None
                return client.send_message(msg)
        except _Failure:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            answers = "; ".join(f"{addr}: {_answer(code, text)}" for addr, (code, text) in exc.recipients.items())
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            raise _Failure(f"the server refused the recipient(s) ({answers})", permanent) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _Failure(f"the server refused the sender {exc.sender!r} ({_answer(exc.smtp_code, exc.smtp_error)})",
                           exc.smtp_code >= 500) from None
        except smtplib.SMTPDataError as exc:
            raise _Failure(f"the server refused the message ({_answer(exc.smtp_code, exc.smtp_error)})",
                           exc.smtp_code >= 500) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise _Failure(f"the server closed the connection ({_plain(exc)})", permanent=False) from None
        except smtplib.SMTPResponseException as exc:
            raise _Failure(f"the server answered {_answer(exc.smtp_code, exc.smtp_error)}",
                           exc.smtp_code >= 500) from None
        except ssl.SSLCertVerificationError as exc:
            raise _Failure(f"its TLS certificate could not be verified ({exc.verify_message or exc})",
                           permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Failure(f"the connection failed ({_plain(exc)})", permanent=False) from None


def _answer(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def _plain(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, smtplib.SMTPException) else f"{type(exc).__name__}: {text}"


# -- the outbox ------------------------------------------------------------------------------------
class OutboxMailer:
    """Write each e-mail as an ``.eml`` file into ``directory`` instead of sending it (the demo's mail)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.directory)!r})"

    def send(self, msg: EmailMessage) -> None:
        try:
            path = self._write(msg)
        except OSError as exc:
            raise DeliveryError(f"could not write e-mail {_describe(msg)} to the outbox {self.directory}: "
                                f"{_plain(exc)}", server=str(self.directory)) from None
        log.info("wrote e-mail %s to %s (outbox; SMTP is not configured)", _describe(msg), path)

    def _write(self, msg: EmailMessage) -> Path:
        data = bytes(msg)
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{_stamp(msg)}-{_file_id(msg, data)}"
        handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=self.directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            for n in range(10_000):
                target = self.directory / (f"{stem}.eml" if n == 0 else f"{stem}-{n}.eml")
                if _place(Path(temporary), target):
                    return target
                if target.read_bytes() == data:  # the same message again: already in the outbox
                    return target
            raise OSError(f"too many files named {stem}*.eml")
        finally:
            Path(temporary).unlink(missing_ok=True)


def _place(temporary: Path, target: Path) -> bool:
    """Put ``temporary`` at ``target`` unless something is there already; True when placed."""
    try:
        os.link(temporary, target)  # atomic, and fails if the name is taken
        return True
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if target.exists():
            return False
        os.replace(temporary, target)
        return True


def _stamp(msg: EmailMessage) -> str:
    when = None
    if msg.get("Date"):
        try:
            when = parsedate_to_datetime(str(msg["Date"]))
        except (TypeError, ValueError):
            when = None
    if when is None or when.tzinfo is None:
        when = datetime.now(timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _file_id(msg: EmailMessage, data: bytes) -> str:
    raw = str(msg.get("Message-ID", "")).strip().strip("<>") or sha256(data).hexdigest()[:24]
    return re.sub(r"[^A-Za-z0-9._@+=-]", "_", raw)[:100].lstrip(".") or "message"


def mailer_from_settings(settings: Settings, **overrides) -> SmtpMailer | OutboxMailer:
    """SMTP when ``SHEQING_SMTP_HOST`` is set, else the outbox folder (``settings.outbox_path``)."""
    if settings.smtp_host:
        return SmtpMailer.from_settings(settings, **overrides)
    return OutboxMailer(settings.outbox_path)
