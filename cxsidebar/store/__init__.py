"""The sidebar's local SQLite store: ratings and their outbox, one writer."""
