"""Which source signed a delivery, when each source may have two valid secrets.

During a rotation (`cxsidebar-hub sources rotate NAME`) a source's new and
previous secrets are both valid, until the previous one expires or the
rotation is finished with `--finish`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cxsidebar.hub.signing import SignatureError, verify_delivery


def verify_signed_by(
    body: bytes,
    headers: Mapping[str, str],
    keys: Sequence[tuple[str, str]],
    *,
    tolerance_seconds: float,
) -> tuple[str, str]:
    """(webhook id, source name) of a delivery signed by one of `keys` ((name, secret)
    pairs); `SignatureError` otherwise."""
    if not keys:
        verify_delivery(body, headers, (), tolerance_seconds=tolerance_seconds)  # raises
    error: SignatureError | None = None
    for name, secret in keys:
        try:
            return verify_delivery(
                body, headers, (secret,), tolerance_seconds=tolerance_seconds
            ), name
        except SignatureError as refused:
            error = refused
    assert error is not None
    raise error
