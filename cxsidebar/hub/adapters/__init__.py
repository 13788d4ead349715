"""Bot platform adapters: each maps a platform's handoff payload to a v1 escalation."""

from cxsidebar.hub.adapters.base import Adapter, Draft, DraftTurn, Hints, PayloadError
from cxsidebar.hub.adapters.config import (
    PLATFORMS,
    AdaptersConfig,
    AdaptersConfigError,
    ApiAccess,
    Route,
    SourceConfig,
    load_adapters_config,
    parse_adapters_config,
)
from cxsidebar.hub.adapters.inference import InferenceRules, infer, merge
from cxsidebar.hub.adapters.registry import ADAPTERS, adapt, build, route

__all__ = [
    "ADAPTERS",
    "PLATFORMS",
    "Adapter",
    "AdaptersConfig",
    "AdaptersConfigError",
    "ApiAccess",
    "Draft",
    "DraftTurn",
    "Hints",
    "InferenceRules",
    "PayloadError",
    "Route",
    "SourceConfig",
    "adapt",
    "build",
    "infer",
    "load_adapters_config",
    "merge",
    "parse_adapters_config",
    "route",
]
