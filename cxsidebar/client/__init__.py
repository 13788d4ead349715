"""Talking to the hub: the event stream, context fetches, claims and the ratings sync. No Qt."""
