"""What can go wrong talking to the hub, split the way callers must treat it.

`HubTransportError`: the hub could not be reached or the link broke; retry.
`HubError`: the hub answered with an error status; surface it (some statuses,
see `transient`, are worth another try later). `HubAuthError`: 401/403, stop
until the agent signs in again. `ClaimConflict`: another agent holds the claim.
"""

from __future__ import annotations

import httpx

from cxsidebar.core import ErrorEnvelope


class HubClientError(Exception):
    """Base of every error the hub client raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HubTransportError(HubClientError):
    """No answer: refused, timed out, dropped. Worth retrying."""


class HubError(HubClientError):
    """The hub answered with a 4xx/5xx (or a body v1 does not allow)."""

    def __init__(
        self,
        status: int,
        envelope: ErrorEnvelope | None,
        message: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        if message is None:
            message = envelope.error.message if envelope else f"HTTP {status}"
        super().__init__(message)
        self.status = status
        self.envelope = envelope
        self.retry_after = retry_after

    @property
    def code(self) -> str | None:
        return self.envelope.error.code if self.envelope else None

    @property
    def transient(self) -> bool:
        """A status that may go away by itself: timeouts, rate limits, server errors."""
        return self.status in (408, 425, 429) or self.status >= 500

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class HubAuthError(HubError):
    """401 or 403: the token is missing, unknown or lacks the role."""


class ClaimConflict(HubError):
    """409 already_claimed: `holder` is the name of the agent who has it."""

    def __init__(self, status: int, envelope: ErrorEnvelope | None, holder: str) -> None:
        super().__init__(status, envelope)
        self.holder = holder


def describe_transport_error(
    exc: httpx.TransportError, *, read_timeout: float | None = None
) -> str:
    """A short reason for people, e.g. "connection refused"."""
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ConnectError):
        if "ssl" in text or "certificate" in text or "tls" in text:
            return f"TLS with {_host(exc)} failed: {_tls_reason(exc)}"
        if "refused" in text or "all connection attempts failed" in text:
            return "connection refused"
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "host not found"
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    if isinstance(exc, httpx.ReadTimeout):
        if read_timeout is not None:
            return f"no data from the hub for {read_timeout:g} s"
        return "the hub did not answer in time"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connection dropped"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _host(exc: httpx.TransportError) -> str:
    try:
        return exc.request.url.host or "the hub"
    except RuntimeError:  # raised by httpx when no request is attached
        return "the hub"


def _tls_reason(exc: httpx.TransportError) -> str:
    """The reason without OpenSSL's decoration: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate
    verify failed: self-signed certificate (_ssl.c:1006)" → "certificate verify failed: …"."""
    text = str(exc)
    if "]" in text:
        text = text.split("]", 1)[1]
    return text.split(" (_ssl.c", 1)[0].strip() or type(exc).__name__
