"""The embedded default: hub, scripted bot and sidebar on one machine."""
