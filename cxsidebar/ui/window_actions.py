"""The window's actions: one QAction per `keys.KEYS` entry, in menus and active window-wide.

A mixin of `MainWindow`, split out so the window stays a wiring shell. Every
action calls a bound method (see keys.py for why never a lambda).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from .context_view import TAB_CUSTOMER, TAB_HISTORY, TAB_SUMMARY, TAB_TRANSCRIPT
from .keys import KEYS

if TYPE_CHECKING:
    from .main_window import MainWindow

MENUS = ("Escalation", "Transcript", "View")
POP_MODE_NAMES = {"notify": "Notify only", "pop": "Pop on arrival", "accept": "Pop when I accept"}


class ActionRouter(QObject):
    """Routes the actions that share one slot (scores, tabs, pop modes) by the action's data."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.key_actions: dict[str, QAction] = {}
        self.pop_actions: dict[str, QAction] = {}

    def add_pop_menu(self, view: QMenu) -> None:
        pop_menu = view.addMenu("&Pop behaviour")
        group = QActionGroup(self._window)
        for mode in ("notify", "pop", "accept"):
            action = QAction(POP_MODE_NAMES[mode], self._window, checkable=True)
            action.setData(mode)
            action.setChecked(mode == self._window.pop_mode)
            action.triggered.connect(self.pop_menu_chosen)
            group.addAction(action)
            pop_menu.addAction(action)
            self.pop_actions[mode] = action

    def pop_menu_chosen(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self._window.set_pop_mode(str(action.data()))

    def overall(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self._window.rating_panel.set_overall(int(action.property("score")))

    def show_tab(self) -> None:
        action = self.sender()
        view = self._window.context_view
        if isinstance(action, QAction) and view.currentWidget() is view.page:
            view.tabs.setCurrentIndex(int(action.property("tab")))
            view.tabs.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)


def install_actions(window: MainWindow) -> ActionRouter:
    """One QAction per entry of `keys.KEYS`, in the menus and active window-wide."""
    c = window.context_view
    router = ActionRouter(window)
    slots: dict[str, Callable[[], object]] = {
        "accept": window.accept_escalation,
        "claim": c.claim_bar.claim,
        "previous escalation": window.previous_escalation,
        "next escalation": window.next_escalation,
        "queue": window.focus_queue,
        "reveal contact": c.profile.toggle_contact,
        "regenerate summary": c.regenerate_summary,
        "save rating": window.rating_panel.save,
        "quit": window.quit_requested.emit,
        "transcript": c.focus_transcript,
        "find in transcript": c.open_find,
        "find next": c.find_next,
        "find previous": c.find_previous,
        "next trigger": window.next_trigger,
        "previous trigger": window.previous_trigger,
        "tab transcript": router.show_tab,
        "tab summary": router.show_tab,
        "tab customer": router.show_tab,
        "tab history": router.show_tab,
        "always on top": window.toggle_always_on_top,
        "color scheme": window.cycle_color_scheme,
    }
    tabs = {
        "tab transcript": TAB_TRANSCRIPT,
        "tab summary": TAB_SUMMARY,
        "tab customer": TAB_CUSTOMER,
        "tab history": TAB_HISTORY,
    }
    key_actions = router.key_actions
    menus = {name: window.menuBar().addMenu(f"&{name}") for name in MENUS}
    for key in KEYS:
        action = QAction(key.text, window)
        action.setShortcuts([QKeySequence(k) for k in key.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if key.name.startswith("overall "):
            action.setProperty("score", int(key.name.split()[1]))
            action.triggered.connect(router.overall)
        else:
            action.triggered.connect(slots[key.name])
        if key.name in tabs:
            action.setProperty("tab", tabs[key.name])
        window.addAction(action)  # active even where the menu bar is hidden
        if key.menu:
            menus[key.menu].addAction(action)
        key_actions[key.name] = action
    key_actions["always on top"].setCheckable(True)
    router.add_pop_menu(menus["View"])
    return router
