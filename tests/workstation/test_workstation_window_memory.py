"""Settings reach the window (SLA targets, queue cap, repeat window, sound), and the window
is remembered across restarts without overriding what the settings configure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cxsidebar.app import Sidebar
from cxsidebar.core import QueueItem
from cxsidebar.settings import Locations, Settings, load_settings
from cxsidebar.ui import MainWindow
from cxsidebar.ui.insight import SlaLevel
from cxsidebar.window_memory import load_state, restore_window, save_state, window_state

NOW = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


class Quiet:
    def pop(self, window: object) -> None:
        pass

    def notify(self, window: object, title: str, message: str) -> None:
        pass

    def announce(self, window: object, message: str) -> None:
        pass


def item(escalation_id: str, channel: str = "voice", waited: int = 0) -> QueueItem:
    return QueueItem(
        escalation_id=escalation_id,
        queue="billing",
        channel=channel,
        customer_display_name=f"Customer {escalation_id}",
        reasons=[],
        created_at=NOW - timedelta(seconds=waited),
    )


@pytest.fixture
def window(qtbot):
    made = MainWindow(notifier=Quiet(), clock=lambda: NOW)
    qtbot.addWidget(made)
    return made


def sidebar(window: MainWindow, tmp_path: Path, **values: object) -> Sidebar:
    settings = Settings(db_path=tmp_path / "s.sqlite3", token="tok", **values)
    return Sidebar(settings, window=window, worker_factory=lambda _token: None)  # never started


def test_sla_targets_per_channel_come_from_the_settings(window, tmp_path):
    late_call, chat = item("call", "voice", waited=12), item("chat", "chat", waited=12)
    assert window.queue_model.sla(late_call).level is SlaLevel.OK  # default: 30 s
    sidebar(window, tmp_path, sla_voice=15, sla_chat=600)
    assert window.queue_model.sla(late_call).level is SlaLevel.AMBER  # 12 of 15 s used
    assert window.queue_model.sla(item("phone", "phone", waited=16)).level is SlaLevel.RED
    assert window.queue_model.sla(chat).remaining == 588


def test_the_queue_cap_comes_from_the_settings(window, tmp_path, qtmodeltester):
    sidebar(window, tmp_path, max_open=2)
    for number in range(3):
        window.add_escalation(item(f"e-{number}", waited=30 - number))
    assert window.queue_model.rowCount() == 2
    assert window.queue_model.overflow == 1
    assert "+1 waiting beyond the first 2" in window.queue_label.text()
    window.set_max_open(3)  # rows move in without a reset
    assert window.queue_model.rowCount() == 3
    qtmodeltester.check(window.queue_model)


def test_the_repeat_window_and_the_arrival_sound_come_from_the_settings(window, tmp_path):
    beeps: list[bool] = []
    window.beep = lambda: beeps.append(True)
    window.add_escalation(item("quiet"))
    assert beeps == []  # off by default
    sidebar(window, tmp_path, repeat_days=30, arrival_sound=True)
    assert window.context_view.repeat_days == 30
    window.add_escalation(item("loud"))
    window.add_escalation(item("loud"))  # a replayed event is not announced again
    assert beeps == [True]


def test_the_window_state_survives_a_restart(qtbot, tmp_path):
    path = tmp_path / "data" / "window.json"
    first = MainWindow(notifier=Quiet())
    qtbot.addWidget(first)
    first.resize(900, 700)
    first.main_splitter.setSizes([250, 650])
    first.set_pop_mode("accept")
    first.set_always_on_top(True)
    save_state(path, window_state(first))

    second = MainWindow(notifier=Quiet())
    qtbot.addWidget(second)
    restore_window(second, Settings(), load_state(path))
    assert second.pop_mode == "accept"
    assert second.always_on_top
    assert second.main_splitter.sizes()[0] == first.main_splitter.sizes()[0]
    assert bool(second.windowFlags() & Qt.WindowType.WindowStaysOnTopHint)


def test_configured_settings_win_over_the_remembered_state(qtbot, tmp_path):
    state = {"pop_mode": "notify", "color_scheme": "dark", "version": 1}
    configured = load_settings(
        environ={"CXSIDEBAR_POP": "pop", "CXSIDEBAR_COLOR_SCHEME": "light"},
        locations=Locations.none(),
    )
    window = MainWindow(notifier=Quiet())
    qtbot.addWidget(window)
    restore_window(window, configured, state)
    assert window.pop_mode == "pop"
    assert window.color_scheme == "auto"  # untouched: the app applies the configured one
    restore_window(window, Settings(), state)  # nothing configured: remembered choices
    assert window.pop_mode == "notify"
    assert window.color_scheme == "dark"
    window.set_color_scheme("auto")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "x" * 70_000])
def test_an_unreadable_state_file_is_ignored(tmp_path, content):
    path = tmp_path / "window.json"
    path.write_text(content, encoding="utf-8")
    assert load_state(path) == {}
    assert load_state(tmp_path / "missing.json") == {}


def test_the_sidebar_remembers_its_window_across_runs(qapp, qtbot, tmp_path, monkeypatch):
    import json
    import uuid

    from PySide6.QtCore import QTimer

    import cxsidebar.app
    from cxsidebar.single import SingleInstance

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(cxsidebar.app, "_install_error_hooks", lambda: None)  # pytest's stay
    settings = Settings(hub_url="http://127.0.0.1:9", token="tok", db_path=tmp_path / "s.sqlite3")
    seen: list[MainWindow] = []
    tries = [0]

    def change_then_close() -> None:  # bounded: 500 tries, 10 ms apart
        shown = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if shown:
            seen.append(shown[0])
            shown[0].set_pop_mode("notify")
            shown[0].main_splitter.setSizes([200, 700])
            shown[0].close()
        elif tries[0] < 500:
            tries[0] += 1
            QTimer.singleShot(10, change_then_close)

    QTimer.singleShot(0, change_then_close)
    instance = SingleInstance(f"cxsidebar-test-{uuid.uuid4().hex[:12]}")
    assert cxsidebar.app.run_sidebar(settings, instance=instance) == 0
    assert seen, "the sidebar window never showed"
    state = json.loads((tmp_path / "data" / "cxsidebar" / "window.json").read_text())
    assert state["pop_mode"] == "notify"
    assert state["main_splitter"][0] == seen[0].main_splitter.sizes()[0]
    seen[0].deleteLater()


def test_the_screen_pop_settings_parse_from_every_layer(tmp_path):
    from cxsidebar.settings import SettingsError

    machine = tmp_path / "config.toml"
    machine.write_text("[sidebar]\nsla_chat = 90\nmax_open = 20\n", encoding="utf-8")
    settings = load_settings(
        environ={"CXSIDEBAR_SLA_VOICE": " 45 ", "CXSIDEBAR_ARRIVAL_SOUND": "on"},
        locations=Locations(machine, None, None),
    )
    assert (settings.sla_voice, settings.sla_chat, settings.max_open) == (45, 90, 20)
    assert settings.repeat_days == 7
    assert settings.arrival_sound is True
    for bad in ("0", "-5", "1.5", "true", "100000"):
        with pytest.raises(SettingsError, match="key 'sla_voice': expected a whole number"):
            load_settings(environ={"CXSIDEBAR_SLA_VOICE": bad}, locations=Locations.none())
    with pytest.raises(SettingsError, match="key 'max_open'"):
        Settings(max_open=True)  # a TOML boolean is not a count
