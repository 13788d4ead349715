"""cxsidebar: the handoff context an agent needs when a bot escalates a customer."""

__version__ = "0.1.0"
