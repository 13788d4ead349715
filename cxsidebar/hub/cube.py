"""The rating cube: sums of `rating_facts` per combination of the filterable columns.

The one-dimension rollups (rollups.py) answer a report that filters or groups by
one of flow, reason, agent and summariser. The cube answers the combinations: a
row holds the same MEASURES for the current ratings of one period, queue,
channel, bot flow, reason mask (all of an escalation's reason kinds, as one
value) and summariser, so any filter on those is a condition on the row, a
reason filter a test on its mask, and grouping by reason counts a row once per
kind in its mask (exactly as the raw path counts a rating). Grains:

- "day" (with the week of the day), "week" (period and week: the Monday) and
  "month": no agent. A contact centre has a few hundred such rows a day.
- "agent_month" and "agent_week" (period: the Monday): split by agent too but not
  by channel (channel ''): day rows by agent would be about as many as the
  ratings, and the channel would triple the rows a report by agent adds up. A
  report that filters or groups by agent (and not by channel) reads months where
  its range has whole UTC months, weeks where it has whole ISO weeks outside
  them, and the facts for the rest (a few days at each end; most of a week comes
  from the week's row less the facts of its other days); grouped by week, the
  week rows and the facts of the partial weeks.
- "agent_channel_month" and "agent_channel_week" (migration 7): the same split by
  channel too, read only by reports by agent that filter by channel, so the
  others keep adding up the smaller rows above.

Rows are kept at ingestion with the rollups, in the rating batch's transaction,
one upsert per distinct row (sql_ratings.py); migrations 6 and 7 fill them
(cube_schema.py). A row whose ratings were all superseded stays with zero counts.
"""

from __future__ import annotations

from cxsidebar.hub.rollups import MEASURE_COLUMNS, Place, adding_upsert_sql

AGENT_GRAINS = ("agent_month", "agent_week")  # (months, weeks) by agent
AGENT_CHANNEL_GRAINS = ("agent_channel_month", "agent_channel_week")  # and by channel
GRAINS = ("day", "week", "month", *AGENT_GRAINS, *AGENT_CHANNEL_GRAINS)
CUBE_KEY_COLUMNS = (
    "grain",
    "period",
    "queue",
    "channel",
    "flow",
    "reason_mask",
    "summariser",
    "agent",
    "week",
)
CUBE_COLUMNS = (*CUBE_KEY_COLUMNS, *MEASURE_COLUMNS)
CONFLICT = "grain, period, queue, channel, flow, reason_mask, summariser, agent"

CubeKey = tuple[str, str, str, str, str, int, str, str, str]  # CUBE_KEY_COLUMNS


def keys_of(place: Place) -> list[CubeKey]:
    """The cube rows a fact (or a place of facts, rollups.PLACE) counts in."""
    day, week = str(place["day"]), str(place["week"])
    queue, channel = str(place["queue"]), str(place["channel"])
    flow, mask, summariser = str(place["flow"]), int(place["reason_mask"]), str(place["summariser"])
    agent = str(place["agent"])
    return [
        ("day", day, queue, channel, flow, mask, summariser, "", str(place["week"])),
        ("month", day[:7], queue, channel, flow, mask, summariser, "", ""),
        ("week", week, queue, channel, flow, mask, summariser, "", week),
        ("agent_month", day[:7], queue, "", flow, mask, summariser, agent, ""),
        ("agent_week", week, queue, "", flow, mask, summariser, agent, ""),
        ("agent_channel_month", day[:7], queue, channel, flow, mask, summariser, agent, ""),
        ("agent_channel_week", week, queue, channel, flow, mask, summariser, agent, ""),
    ]


def upsert_sql(rows: int) -> str:
    """Add `rows` rows of CUBE_COLUMNS to the cube."""
    return adding_upsert_sql("rating_cube", CUBE_COLUMNS, CONFLICT, rows)
