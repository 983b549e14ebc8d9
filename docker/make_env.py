#!/usr/bin/env python3
"""Write docker/.env from docker/.env.example, with a fresh random value for every secret compose requires.

    python3 docker/make_env.py            # refuses to overwrite an existing docker/.env
    python3 docker/make_env.py --force    # start again (the old passwords no longer open existing volumes!)

A secret is a ``NAME=`` line left empty in .env.example whose variable compose.yaml requires
(``${NAME:?...}``). Values are letters and digits (they go into URLs, JSON and command lines unescaped);
AIRFLOW_FERNET_KEY is a Fernet key (32 random bytes, URL-safe base64). Standard library only, so it runs with
any Python 3 on the host. Afterwards, edit docker/.env for the SMTP server, the web page's address and the
rest of section 4.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALPHABET = string.ascii_letters + string.digits
REQUIRED = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")


def required_variables(compose_text: str) -> set[str]:
    """Names compose.yaml requires with ${NAME:?message} or ${NAME?message}."""
    return set(REQUIRED.findall(compose_text))


def new_secret(name: str) -> str:
    if name == "AIRFLOW_FERNET_KEY":
        return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")
    return "".join(secrets.choice(ALPHABET) for _ in range(32))


def fill(example: str, required: set[str]) -> tuple[str, list[str]]:
    """The .env text, and the names that received a generated value."""
    out, generated = [], []
    for line in example.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and not value.strip() and name.strip() in required:
            name = name.strip()
            line = f"{name}={new_secret(name)}"
            generated.append(name)
        out.append(line)
    return "\n".join(out) + "\n", generated


def main(argv: list[str]) -> int:
    target = HERE / ".env"
    if target.exists() and "--force" not in argv:
        print(f"{target} exists already; edit it, or run with --force to start again", file=sys.stderr)
        return 1
    text, generated = fill((HERE / ".env.example").read_text(encoding="utf-8"),
                           required_variables((HERE / "compose.yaml").read_text(encoding="utf-8")))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {target} (mode 600) with generated values for: {', '.join(generated)}")
    print("next: set SHEQING_SMTP_*, SHEQING_MAIL_FROM and SHEQING_WEB_URL in it, and put your site files and "
          "recipients.yaml in docker/config/ (see docker/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
