"""The hub's settings: one typed, validated object handed to `create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsidebar.hub.adapters.config import AdaptersConfig
from cxsidebar.hub.metrics import MetricsAccess
from cxsidebar.hub.summarise import LLMSettings

# The standardwebhooks package checks timestamps against a fixed five minutes,
# so a configured tolerance can only be tighter than that, never looser.
MAX_SIGNATURE_TOLERANCE_SECONDS = 300.0


@dataclass(frozen=True)
class HubSettings:
    max_body_bytes: int = 2 * 1024 * 1024
    heartbeat_seconds: float = 15.0
    sse_retry_ms: int = 2000
    shutdown_retry_ms: int = 250  # the `retry:` that ends every stream when the hub stops
    direct_fanout: bool = True  # live events written straight to the sockets (fanout.py)
    signature_tolerance_seconds: float = MAX_SIGNATURE_TOLERANCE_SECONDS
    event_batch_size: int = 500  # events read from the table per query while replaying
    max_lag_events: int = 10_000  # a stream further behind gets `resync` instead of a replay
    adapters: AdaptersConfig = field(default_factory=AdaptersConfig)  # --adapters-config FILE
    # Summaries: made after intake when on (the CLI's default); the LLM when configured,
    # otherwise the extractive summariser. Raw text reaches the LLM only for these queues
    # or customers whose consent flags allow it.
    summaries: bool = False
    llm: LLMSettings | None = None
    llm_raw_queues: frozenset[str] = frozenset()
    summary_regenerate_seconds: float = 30.0
    # Who may read /metrics: a token of at least this role, or "public", or "off".
    metrics_access: MetricsAccess = MetricsAccess.ADMIN
    # Retention (retention.py): purge transcript text after this many days; None: keep.
    retention_days: float | None = None
    retention_interval_seconds: float = 3600.0
    # Per-source intake rate limit (ratelimit.py), per worker; None: unlimited.
    intake_rate_per_second: float | None = None
    intake_burst: int = 50

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes: expected a positive size, got {self.max_body_bytes}")
        if not self.heartbeat_seconds > 0:
            raise ValueError(
                f"heartbeat_seconds: expected a positive number, got {self.heartbeat_seconds}"
            )
        if self.shutdown_retry_ms < 0:
            raise ValueError(f"shutdown_retry_ms: expected 0 or more, got {self.shutdown_retry_ms}")
        if self.sse_retry_ms < 0:
            raise ValueError(f"sse_retry_ms: expected 0 or more, got {self.sse_retry_ms}")
        if not 0 < self.signature_tolerance_seconds <= MAX_SIGNATURE_TOLERANCE_SECONDS:
            raise ValueError(
                "signature_tolerance_seconds: expected more than 0 and at most "
                f"{MAX_SIGNATURE_TOLERANCE_SECONDS:g}, got {self.signature_tolerance_seconds}"
            )
        if self.retention_days is not None and not self.retention_days > 0:
            raise ValueError(f"retention_days: expected more than 0, got {self.retention_days}")
        if not self.retention_interval_seconds > 0:
            raise ValueError(
                "retention_interval_seconds: expected more than 0, "
                f"got {self.retention_interval_seconds}"
            )
        if self.intake_rate_per_second is not None and not self.intake_rate_per_second > 0:
            raise ValueError(
                f"intake_rate_per_second: expected more than 0, got {self.intake_rate_per_second}"
            )
        if self.intake_burst < 1:
            raise ValueError(f"intake_burst: expected a positive count, got {self.intake_burst}")
        if self.max_lag_events < 1:
            raise ValueError(
                f"max_lag_events: expected a positive count, got {self.max_lag_events}"
            )
        if self.event_batch_size < 1:
            raise ValueError(
                f"event_batch_size: expected a positive count, got {self.event_batch_size}"
            )
