"""Who may use the web page: the users file, password hashes, signed sessions, CSRF tokens, login throttling.

- **Users file** (YAML, ``SHEQING_WEB_USERS_FILE``, default ``DATA_DIR/users.yaml``; managed with ``sheqing
  users``): per user a name, a role (``monitor`` or ``admin``), the areas a monitor sees (district or street,
  by name and administrative code) and the password hash. ``UsersFile`` re-reads it when it changes, so a
  user added or removed on the command line counts at the next request; it is written atomically, mode 600.
- **Passwords**: scrypt (``hashlib.scrypt``, n=2^14, r=8, p=1) with a random 16-byte salt per user, stored as
  ``scrypt$n$r$p$salt$hash`` (base64); compared in constant time.
- **Sessions**: a cookie holding ``{user, csrf token, password tag}`` signed with itsdangerous (HMAC over the
  web key) and timestamped, refused after ``SHEQING_WEB_SESSION_HOURS``. The password tag (a hash of the
  stored hash) ends every session of a user whose password changed or who was removed. HttpOnly,
  SameSite=Lax, Secure over https.
- **CSRF**: every session, even before login, carries a random token; every form sends it back and every
  POST without the right one is refused (403).
- **Throttling**: after ``MAX_FAILURES`` wrong passwords for one name or from one address within
  ``WINDOW_SECONDS``, logins for it are refused until the window has passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from sheqing.files import atomic_file

__all__ = [
    "Area", "User", "UsersFile", "UsersFileError", "Sessions", "LoginThrottle", "hash_password",
    "verify_password", "password_tag", "new_csrf_token", "csrf_ok", "ROLES", "MIN_PASSWORD_CHARS",
]

ROLES = ("monitor", "admin")
MIN_PASSWORD_CHARS = 8
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


class UsersFileError(ValueError):
    """The users file cannot be read or says something impossible."""


# -- passwords ------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` in the form ``scrypt$n$r$p$salt$hash``."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def password_tag(stored: str) -> str:
    """A short tag of a stored hash, kept in the session: it changes when the password does."""
    return hashlib.sha256(stored.encode("ascii", "replace")).hexdigest()[:16]


# -- users ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Area:
    """A district or street a monitor sees: its name and, when it is an administrative unit, its code."""

    name: str
    code: str | None = None

    @property
    def value(self) -> str:
        """The store's place filter for this area: the code (unambiguous) when known, else the name."""
        return self.code or self.name

    def label(self) -> str:
        return f"{self.name}（{self.code}）" if self.code else self.name


@dataclass(frozen=True)
class User:
    name: str
    role: str = "monitor"
    areas: tuple[Area, ...] = ()
    password_hash: str = field(default="", repr=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_everything(self) -> bool:
        """An admin sees every area; a monitor only their areas (none when none are set)."""
        return self.is_admin

    def areas_label(self) -> str:
        return "全部地区" if self.sees_everything else ("、".join(a.name for a in self.areas) or "未设置辖区")


def check_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise UsersFileError(f"user name {name!r}: use 1-64 letters, digits and . _ - @")
    return name


def _area(raw, where: str) -> Area:
    if isinstance(raw, str | int):
        text = str(raw).strip()
        return Area(name=text, code=text) if text.isdigit() else Area(name=text)
    if isinstance(raw, dict) and raw.get("name"):
        code = raw.get("code")
        return Area(name=str(raw["name"]), code=str(code) if code not in (None, "") else None)
    raise UsersFileError(f"{where}: an area is a name, a code, or {{name: ..., code: ...}}, not {raw!r}")


def _user(raw, where: str) -> User:
    if not isinstance(raw, dict):
        raise UsersFileError(f"{where}: expected a mapping with name, role, areas, password")
    name = check_name(str(raw.get("name", "")))
    role = raw.get("role", "monitor")
    if role not in ROLES:
        raise UsersFileError(f"{where} ({name}): role must be one of {', '.join(ROLES)}, not {role!r}")
    areas = raw.get("areas") or []
    if not isinstance(areas, list):
        raise UsersFileError(f"{where} ({name}): areas must be a list")
    password = raw.get("password", "")
    if not isinstance(password, str) or not password.startswith("scrypt$"):
        raise UsersFileError(f"{where} ({name}): password must be a scrypt hash (set it with `sheqing users add`)")
    return User(name=name, role=role, areas=tuple(_area(a, f"{where} ({name})") for a in areas),
                password_hash=password)


class UsersFile:
    """The users of the web page, read from a YAML file (re-read when the file changes)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._users = None, {}
                return {}
            stamp = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
            if stamp != self._stamp:
                self._users = self._read()
                self._stamp = stamp
            return self._users

    def get(self, name: str | None) -> User | None:
        return self.users().get(name) if name else None

    def _read(self) -> dict[str, User]:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UsersFileError(f"cannot read the users file {self.path}: {exc}") from None
        rows = data.get("users", []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise UsersFileError(f"{self.path}: expected 'users:' followed by a list of users")
        users: dict[str, User] = {}
        for n, row in enumerate(rows, 1):
            user = _user(row, f"{self.path}, user {n}")
            if user.name in users:
                raise UsersFileError(f"{self.path}: user {user.name!r} appears twice")
            users[user.name] = user
        return users

    # -- changes (the command line) ------------------------------------------------------------
    def put(self, user: User) -> bool:
        """Add or replace ``user``; True when it replaced an existing one."""
        users = dict(self.users())
        existed = user.name in users
        users[user.name] = user
        self._write(users)
        return existed

    def remove(self, name: str) -> bool:
        users = dict(self.users())
        if users.pop(name, None) is None:
            return False
        self._write(users)
        return True

    def _write(self, users: dict[str, User]) -> None:
        rows = [{"name": u.name, "role": u.role,
                 "areas": [{"name": a.name, **({"code": a.code} if a.code else {})} for a in u.areas],
                 "password": u.password_hash} for u in sorted(users.values(), key=lambda u: u.name)]
        text = ("# Users of the sheqing web page; manage with `sheqing users add|list|remove`.\n"
                + yaml.safe_dump({"users": rows}, allow_unicode=True, sort_keys=False))
        with atomic_file(self.path, permissions=0o600) as fh:
            fh.write(text)
        with self._lock:  # what this process wrote is current, whatever the file system's clock resolution
            st = self.path.stat()
            self._users, self._stamp = users, (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


def authenticate(users: UsersFile, name: str, password: str) -> User | None:
    """The user with this name and password, else None (the same work either way)."""
    user = users.get(name)
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    return user if ok and user is not None else None


# -- sessions and CSRF ----------------------------------------------------------------------------
def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(sent: object, expected: str | None) -> bool:
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


class Sessions:
    """Signed, timestamped session cookies."""

    cookie = "sheqing_session"

    def __init__(self, secret: bytes, hours: float):
        self._serializer = URLSafeTimedSerializer(secret, salt="sheqing.web.session")
        self.max_age = int(hours * 3600)

    def dump(self, data: dict) -> str:
        return self._serializer.dumps(data)

    def load(self, value: str | None) -> dict | None:
        """The session in a cookie, or None when it is missing, forged or expired."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age)
        except (SignatureExpired, BadSignature):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("csrf"), str) else None


class LoginThrottle:
    """Refuses logins for a name or an address after too many recent failures."""

    MAX_FAILURES = 5
    WINDOW_SECONDS = 15 * 60

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS, clock=time.monotonic):
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> list[str]:
        return [f"user:{name.lower()}", f"addr:{address}"]

    def wait(self, name: str, address: str) -> float:
        """Seconds before another attempt is allowed (0 when allowed now)."""
        now = self._clock()
        with self._lock:
            waits = []
            for key in self._keys(name, address):
                q = self._failures.get(key)
                if not q:
                    continue
                while q and q[0] <= now - self.window:
                    q.popleft()
                if len(q) >= self.max_failures:
                    waits.append(q[0] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(name, address):
                self._failures[key].append(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name.lower()}", None)
