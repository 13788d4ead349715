"""TLS trust and proxy for every HTTP client the sidebar makes, from its settings."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import certifi
import truststore

from cxsidebar.settings import Settings, SettingsError


@dataclass(frozen=True)
class HttpOptions:
    """Keyword arguments for HubClient/NetworkWorker (and any httpx client)."""

    verify: ssl.SSLContext
    proxy: str | None
    trust_env: bool

    def as_kwargs(self) -> dict[str, object]:
        return {"verify": self.verify, "proxy": self.proxy, "trust_env": self.trust_env}


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """`ca_bundle` if set, else the OS trust store (corporate CAs), else certifi's roots."""
    if settings.ca_bundle:
        try:
            return ssl.create_default_context(cafile=settings.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise SettingsError(
                f"key 'ca_bundle': expected a readable PEM file, got {settings.ca_bundle!r} ({exc})"
            ) from None
    if settings.use_system_trust:
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return ssl.create_default_context(cafile=certifi.where())


def http_options(settings: Settings) -> HttpOptions:
    return HttpOptions(
        verify=ssl_context(settings),
        proxy=settings.proxy_url or None,
        trust_env=settings.use_env_proxy,
    )
