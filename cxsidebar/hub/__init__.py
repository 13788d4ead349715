"""The hub: bots post escalations here, sidebars stream and rate them. Never imports Qt."""

from cxsidebar.hub.app import create_app
from cxsidebar.hub.events import EventBroker
from cxsidebar.hub.server import HubServer, hub_server
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.signing import new_secret, sign_headers
from cxsidebar.hub.storage import HubStorage, Role, TokenInfo, open_storage

__all__ = [
    "EventBroker",
    "HubServer",
    "HubSettings",
    "HubStorage",
    "Role",
    "TokenInfo",
    "create_app",
    "hub_server",
    "new_secret",
    "open_storage",
    "sign_headers",
]
