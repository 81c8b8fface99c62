"""Sending one HTTP request politely: a rate limit, retries with exponential backoff and jitter on
429, 5xx and connection errors, and Retry-After honoured when the server sends it."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Callable

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 120.0  # never sleep longer than this for one retry, whatever Retry-After says


@dataclass
class Policy:
    retries: int = 5  # attempts after the first
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    rate: float = 10.0  # requests per second at most (0 = unlimited)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _next_slot: float = field(default=0.0, repr=False)

    def wait_turn(self) -> None:
        """Block until the rate limit allows the next request."""
        if self.rate <= 0:
            return
        now = self.clock()
        if now < self._next_slot:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + 1.0 / self.rate

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based): Retry-After when given, else
        backoff * 2^(attempt-1) with "equal jitter" (half fixed, half random) so clients spread out."""
        told = parse_retry_after(retry_after)
        if told is not None:
            return min(told, MAX_WAIT)
        step = min(self.backoff * 2 ** (attempt - 1), MAX_WAIT)
        return step / 2 + random.uniform(0, step / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def send(policy: Policy, request: Callable[[], "object"], describe: Callable[[BaseException | None, "object"], Exception]):
    """Call `request()` (returns an httpx.Response) until it succeeds or retries run out.

    Returns the response of the first attempt that is neither a retryable status nor a connection
    error; raises describe(exception, last response) when the retries are used up.
    """
    import httpx

    attempt = 0
    while True:
        policy.wait_turn()
        error: BaseException | None = None
        response = None
        try:
            response = request()
        except httpx.TransportError as exc:  # refused, reset, timed out, DNS
            error = exc
        if error is None and response.status_code not in RETRY_STATUS:
            return response
        attempt += 1
        if attempt > policy.retries:
            raise describe(error, response)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        policy.sleep(policy.delay(attempt, retry_after))
