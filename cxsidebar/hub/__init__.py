"""The hub: bots post escalations here, sidebars stream and rate them. Never imports Qt."""
