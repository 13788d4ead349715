"""Migration 4 of both backends: retention bookkeeping and webhook secret rotation.

sqlite_schema.py and postgres_schema.py apply this one template, so the two schemas
stay in step (times are TEXT in SQLite, TIMESTAMPTZ in PostgreSQL).
"""

from __future__ import annotations

_DDL = """
ALTER TABLE escalations ADD COLUMN purged_at {time};  -- transcript text purged (retention)
CREATE INDEX escalations_received ON escalations (received_at);
CREATE INDEX events_created ON events (created_at);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
ALTER TABLE sources ADD COLUMN previous_secret TEXT;  -- still valid during a rotation
ALTER TABLE sources ADD COLUMN previous_expires_at {time};
"""

SQLITE_DDL = _DDL.format(time="TEXT")
POSTGRES_DDL = _DDL.format(time="TIMESTAMPTZ")
