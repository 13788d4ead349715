"""Every action of the sidebar with its shortcut: one table, so the menus, the
shortcut help and the tests read the same thing.

The main window binds each name to a bound method (never a lambda: PySide
holds lambdas strongly, and a closure that keeps a widget alive while Qt
deletes it is how PySide6 6.12 crashed).
"""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    name: str  # the action's id and accessible name
    text: str  # menu text
    keys: tuple[str, ...]  # first is the primary shortcut
    menu: str  # "Escalation", "Transcript", "View" or "" (no menu entry)


SAVE = "Ctrl+S"  # QKeySequence.StandardKey.Save everywhere Qt runs; a string needs no QApplication

KEYS: tuple[Key, ...] = (
    Key("accept", "&Accept newest escalation", ("Ctrl+Shift+A",), "Escalation"),
    Key("claim", "&Claim", ("Ctrl+Return", "Ctrl+Enter"), "Escalation"),
    Key("previous escalation", "&Previous escalation", ("Ctrl+Up",), "Escalation"),
    Key("next escalation", "&Next escalation", ("Ctrl+Down",), "Escalation"),
    Key("queue", "Go to &queue", ("Ctrl+L",), "Escalation"),
    Key("reveal contact", "Show/hide &contact details (logged)", ("Ctrl+Shift+R",), "Escalation"),
    Key("regenerate summary", "&Regenerate summary", ("Ctrl+Shift+G",), "Escalation"),
    Key("save rating", "&Save rating", (SAVE,), "Escalation"),
    Key("quit", "&Quit", ("Ctrl+Q",), "Escalation"),
    Key("transcript", "Go to &transcript", ("Ctrl+T",), "Transcript"),
    Key("find in transcript", "&Find…", ("Ctrl+F",), "Transcript"),
    Key("find next", "Find &next", ("F3",), "Transcript"),
    Key("find previous", "Find &previous", ("Shift+F3",), "Transcript"),
    Key("next trigger", "Next &escalation trigger", ("Ctrl+J",), "Transcript"),
    Key("previous trigger", "Previous escalation &trigger", ("Ctrl+Shift+J",), "Transcript"),
    Key("tab transcript", "Transcript tab", ("Ctrl+1",), "View"),
    Key("tab summary", "Summary tab", ("Ctrl+2",), "View"),
    Key("tab customer", "Customer tab", ("Ctrl+3",), "View"),
    Key("tab history", "History tab", ("Ctrl+4",), "View"),
    Key("always on top", "Always on &top", ("Ctrl+Shift+T",), "View"),
    Key("color scheme", "Cycle &colours: auto, light, dark", ("Ctrl+Shift+D",), "View"),
    *(Key(f"overall {n}", f"Rate {n}", (f"Alt+{n}",), "") for n in range(1, 6)),
)


def shortcut_help() -> list[tuple[str, str]]:
    """(shortcut, what it does), for the help text and the accessibility description."""
    return [(" / ".join(k.keys), k.text.replace("&", "")) for k in KEYS]
