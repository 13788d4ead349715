"""The composition root: wires the store, the client and the UI together."""
