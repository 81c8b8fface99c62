"""Turning a driver's exception into the one-line TargetError a user sees, with no secret in it."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from crmtool.errors import TargetError

MAX_DETAIL = 300
SECRET_ENV = ("CRMTOOL_HTTP_TOKEN", "PGPASSWORD")


def secrets_of(url: str) -> list[str]:
    """Strings that must never appear in a message: the URL's password and the tokens crmtool reads."""
    found = []
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        found += [password, unquote(password)]
    found += [os.environ[name] for name in SECRET_ENV if os.environ.get(name)]
    return [s for s in found if len(s) >= 3]


def scrub(text: str, url: str) -> str:
    """One line, secrets replaced by ***, at most MAX_DETAIL characters."""
    line = " ".join(str(text).split())
    for secret in secrets_of(url):
        line = line.replace(secret, "***")
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"


def target_error(url: str, action: str, exc: BaseException | str) -> TargetError:
    """`<redacted url>: <action>: <driver's message>` as one line."""
    from crmtool.config.migration import redact

    detail = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
    return TargetError(scrub(f"{redact(url)}: {action}: {detail}", url))
