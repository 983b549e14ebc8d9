"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), and a port where nothing listens.

Import the fixtures into a test module (or a conftest.py)::

    from tests.alerts.smtp_support import smtp_server, smtp_server_factory, tls_certificate  # noqa: F401

``smtp_server`` is a plain server (no TLS, no login) on a free port, started for the test and stopped after
it. Ask for another kind with indirect parametrisation, or build several with ``smtp_server_factory``::

    @pytest.mark.parametrize("smtp_server", [{"tls": "starttls", "auth": True}], indirect=True)
    def test_send(smtp_server): ...

    def test_two(smtp_server_factory):
        plain, secure = smtp_server_factory(), smtp_server_factory(tls="ssl", auth=True)

Options: ``tls`` is ``"none"``, ``"starttls"`` (STARTTLS required before MAIL) or ``"ssl"`` (implicit TLS),
with a self-signed certificate for ``localhost``/``127.0.0.1`` made for the test session; ``auth=True``
requires AUTH PLAIN or LOGIN with ``server.username``/``server.password`` (``user``/``secret``).

The ``SmtpServer`` object gives:

- ``host``, ``port``, ``security`` (the matching ``SmtpMailer`` security), ``username``, ``password``;
- ``messages``: the ``Received`` mails so far, each with ``mail_from``, ``rcpt_tos``, ``raw`` (bytes) and
  ``message`` (parsed with ``email.policy.default``, so ``get_body``, ``iter_attachments`` work);
  ``wait_for(n)`` waits until ``n`` arrived and returns them;
- ``mailer(**kw)``: an ``SmtpMailer`` set up for this server (trusting its certificate, no back-off);
- ``settings()``: the ``SHEQING_SMTP_*`` fields as a dict, for ``Settings(data_dir=..., **server.settings())``
  (with TLS, ``smtp_ca_certs`` names the test certificate, as for an office's private CA);
- ``refuse(code, text)`` / ``accept()``: answer every DATA with a failure code (e.g. 451, a server that is up
  but cannot take mail) until told to accept again;
- ``stop()`` / ``start()``: take the server down and bring it back on the same port.

``free_port()`` is a local port with nothing listening: a mail server that is down (connection refused).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["smtp_server", "smtp_server_factory", "tls_certificate", "free_port", "SmtpServer", "Received",
           "make_certificate"]

USERNAME, PASSWORD = "user", "secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 where nothing listens (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage


class _Collector:
    """The aiosmtpd handler: keeps every message, or refuses DATA while told to."""

    def __init__(self):
        self.messages: list[Received] = []
        self.refusal: str | None = None
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.refusal:
            return self.refusal
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.arrived:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def factory(self):
        # AUTH without STARTTLS is intended here (plain test server, or implicit TLS that aiosmtpd does not
        # count as TLS): keep aiosmtpd's warning about it out of the test report
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return super().factory()


def _authenticator(username: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == username.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)

    return check


@dataclass
class SmtpServer:
    tls: str = "none"
    auth: bool = False
    certificate: Path | None = None
    key: Path | None = None
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    username: str = USERNAME
    password: str = PASSWORD

    def __post_init__(self):
        if self.tls not in ("none", "starttls", "ssl"):
            raise ValueError(f"tls must be none, starttls or ssl, not {self.tls!r}")
        self.handler = _Collector()
        self.controller: Controller | None = None

    @property
    def security(self) -> str:
        return self.tls

    @property
    def messages(self) -> list[Received]:
        return list(self.handler.messages)

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this server's certificate (and verifies it)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def start(self) -> SmtpServer:
        options: dict = {"hostname": self.host, "port": self.port, "ready_timeout": 5.0}
        if self.tls == "starttls":
            options.update(tls_context=self._server_context(), require_starttls=True)
        elif self.tls == "ssl":
            options.update(ssl_context=self._server_context())
        if self.auth:
            options.update(authenticator=_authenticator(self.username, self.password),
                           auth_require_tls=self.tls == "starttls", auth_required=True)
        self.controller = _Controller(self.handler, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse(self, code: int = 451, text: str = "4.3.0 Mail server temporarily unable to accept mail") -> None:
        self.handler.refusal = f"{code} {text}"

    def accept(self) -> None:
        self.handler.refusal = None

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self.handler.arrived:
            while len(self.handler.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} e-mails, the server received "
                                         f"{len(self.handler.messages)} in {timeout} s")
                self.handler.arrived.wait(left)
            return list(self.handler.messages[:count])

    def mailer(self, **overrides):
        from alerts.mailer import SmtpMailer

        options = dict(security=self.security, timeout=5.0, retries=0, backoff=0.0)
        if self.auth:
            options.update(username=self.username, password=self.password)
        if self.tls != "none":
            options.update(ssl_context=self.client_context())
        return SmtpMailer(self.host, self.port, **{**options, **overrides})

    def settings(self) -> dict:
        values = {"smtp_host": self.host, "smtp_port": self.port, "smtp_security": self.security,
                  "smtp_timeout": 5.0}
        if self.auth:
            values.update(smtp_username=self.username, smtp_password=self.password)
        if self.tls != "none":
            values["smtp_ca_certs"] = self.certificate  # trust the test certificate, as for a private CA
        return values


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (certificate file, key file)."""
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        return _openssl_certificate(cert_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _openssl_certificate(cert_path: Path, key_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("neither the 'cryptography' package nor the openssl command is available to make a TLS "
                    "certificate")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key_path), "-out", str(cert_path), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[Path, Path]:
    """(certificate, key) of a self-signed certificate for localhost, made once per test session."""
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_server_factory(request):
    """Start SMTP servers with ``factory(tls="none"|"starttls"|"ssl", auth=False)``; all stop after the test."""
    servers: list[SmtpServer] = []

    def factory(tls: str = "none", auth: bool = False) -> SmtpServer:
        cert = key = None
        if tls != "none":
            cert, key = request.getfixturevalue("tls_certificate")
        server = SmtpServer(tls=tls, auth=auth, certificate=cert, key=key).start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(request, smtp_server_factory) -> SmtpServer:
    """A running SMTP server on 127.0.0.1 (plain by default; parametrise indirectly with tls/auth options)."""
    options = getattr(request, "param", None) or {}
    return smtp_server_factory(**options)
