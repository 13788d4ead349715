"""Look and keyboard: light/dark forced or followed, always-on-top, remembered state, shortcuts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication

from cxsidebar.ui import MainWindow
from cxsidebar.ui.keys import KEYS, shortcut_help


@pytest.fixture
def schemed(window) -> Iterator[MainWindow]:
    """The window; the application's palette goes back to "auto" afterwards."""
    try:
        yield window
    finally:
        window.set_color_scheme("auto")


def base_lightness() -> int:
    return QApplication.palette().color(QPalette.ColorRole.Base).lightness()


def test_forced_dark_and_light_change_the_palette_and_custom_colours(schemed, samples):
    window = schemed
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    chip = window.context_view.reasons.shown_chips()[0]
    window.set_color_scheme("dark")
    assert window.color_scheme == "dark"
    assert window.is_dark()
    assert base_lightness() < 64
    assert "#5c2b29" in chip.styleSheet()  # the urgent chip's dark background
    window.set_color_scheme("light")
    assert not window.is_dark()
    assert base_lightness() > 200
    assert "#fce8e6" in chip.styleSheet()
    window.set_color_scheme("auto")  # offscreen reports no preference: light
    assert not window.is_dark()
    with pytest.raises(ValueError, match="color scheme"):
        window.set_color_scheme("purple")


def test_cycle_colours_shortcut(schemed):
    window = schemed
    window.key_actions["color scheme"].trigger()
    assert window.color_scheme == "light"
    window.key_actions["color scheme"].trigger()
    assert window.color_scheme == "dark"
    window.key_actions["color scheme"].trigger()
    assert window.color_scheme == "auto"


def test_always_on_top_toggle(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    action = window.key_actions["always on top"]
    assert action.isCheckable()
    assert not action.isChecked()
    action.trigger()
    assert window.always_on_top
    assert action.isChecked()
    assert window.isVisible()  # changing the flag must not leave the window hidden
    window.set_always_on_top(False)
    assert not window.always_on_top
    assert not action.isChecked()
    window.close()


def test_state_round_trips_through_json(schemed, qtbot, notifier):
    window = schemed
    window.resize(900, 700)
    window.main_splitter.setSizes([250, 650])
    window.set_always_on_top(True)
    window.set_color_scheme("dark")
    state = json.loads(json.dumps(window.save_state()))  # what the app stores

    other = MainWindow(notifier=notifier)
    qtbot.addWidget(other)
    try:
        other.resize(900, 700)
        other.restore_state(state)
        assert other.always_on_top
        assert other.color_scheme == "dark"
        assert other.main_splitter.sizes() == window.main_splitter.sizes()
    finally:
        other.set_color_scheme("auto")


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"version": 99, "always_on_top": True},
        {"version": 1, "geometry": "not base64!", "main_splitter": "x", "color_scheme": "pink"},
        {"version": 1, "main_splitter": [1, 2, 3], "detail_splitter": [-5, 10]},
    ],
)
def test_bad_state_is_ignored(window, state):
    sizes = window.main_splitter.sizes()
    window.restore_state(state)
    assert window.main_splitter.sizes() == sizes
    assert not window.always_on_top
    assert window.color_scheme == "auto"


def test_every_action_has_a_unique_shortcut_and_a_name(window):
    seen: dict[str, str] = {}
    for key in KEYS:
        action = window.key_actions[key.name]
        assert action.shortcuts(), key.name
        for sequence in action.shortcuts():
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            assert text not in seen, f"{text} is both {seen.get(text)} and {key.name}"
            seen[text] = key.name
        assert action.shortcutContext() == Qt.ShortcutContext.WindowShortcut
    for needed in ("claim", "next escalation", "previous escalation", "transcript"):
        assert needed in window.key_actions
    for needed in ("find in transcript", "save rating", "overall 1", "overall 5", "accept"):
        assert needed in window.key_actions
    assert ("Ctrl+F", "Find…") in shortcut_help()


def test_menus_list_the_actions(window):
    titles = [
        menu.title() for menu in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
    ]
    assert {"&Escalation", "&Transcript", "&View"} <= set(titles)


def test_built_widgets_follow_a_scheme_change(schemed, samples):
    window = schemed
    window.set_queue([samples.item()])
    window.open_escalation("esc-1")
    window.show_context(samples.context())
    view = window.context_view
    role = QPalette.ColorRole.WindowText
    window.set_color_scheme("dark")
    assert view.title_label.palette().color(role).lightness() > 180  # styled label
    assert window.queue_label.palette().color(role).lightness() > 180
    assert view.subtitle_label.palette().color(role).name() == "#9aa0a6"  # dimmed label
    assert window.queue_view.palette().color(QPalette.ColorRole.Base).lightness() < 64
    window.set_color_scheme("light")
    assert view.title_label.palette().color(role).lightness() < 64
    assert view.subtitle_label.palette().color(role).name() == "#5f6368"
