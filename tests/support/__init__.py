"""Helpers shared by tests; import as `support.hub` (tests/ is on sys.path via its conftest)."""
