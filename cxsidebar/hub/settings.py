"""The hub's settings: one typed, validated object handed to `create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsidebar.hub.adapters.config import AdaptersConfig
from cxsidebar.hub.summarise import LLMSettings

# The standardwebhooks package checks timestamps against a fixed five minutes,
# so a configured tolerance can only be tighter than that, never looser.
MAX_SIGNATURE_TOLERANCE_SECONDS = 300.0


@dataclass(frozen=True)
class HubSettings:
    max_body_bytes: int = 2 * 1024 * 1024
    heartbeat_seconds: float = 15.0
    sse_retry_ms: int = 2000
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

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes: expected a positive size, got {self.max_body_bytes}")
        if not self.heartbeat_seconds > 0:
            raise ValueError(
                f"heartbeat_seconds: expected a positive number, got {self.heartbeat_seconds}"
            )
        if self.sse_retry_ms < 0:
            raise ValueError(f"sse_retry_ms: expected 0 or more, got {self.sse_retry_ms}")
        if not 0 < self.signature_tolerance_seconds <= MAX_SIGNATURE_TOLERANCE_SECONDS:
            raise ValueError(
                "signature_tolerance_seconds: expected more than 0 and at most "
                f"{MAX_SIGNATURE_TOLERANCE_SECONDS:g}, got {self.signature_tolerance_seconds}"
            )
        if self.max_lag_events < 1:
            raise ValueError(
                f"max_lag_events: expected a positive count, got {self.max_lag_events}"
            )
        if self.event_batch_size < 1:
            raise ValueError(
                f"event_batch_size: expected a positive count, got {self.event_batch_size}"
            )
