"""The command line: self-test, configuration errors, and the autostart switch."""

from __future__ import annotations

import pytest

from cxsidebar.app import run


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("CXSIDEBAR_CONFIG", raising=False)


def test_self_test_builds_the_window_and_exits_zero(qapp, capsys):
    assert run(["--self-test"]) == 0
    assert "cxsidebar self-test: ok" in capsys.readouterr().out


def test_bad_configuration_stops_before_anything_starts(monkeypatch, capsys):
    monkeypatch.setenv("CXSIDEBAR_LOG_LEVEL", "chatty")
    assert run([]) == 2
    err = capsys.readouterr().err
    assert "configuration error" in err
    assert "key 'log_level'" in err


def test_a_bad_user_settings_file_names_the_file(tmp_path, capsys):
    user_file = tmp_path / "xdg_config_home" / "cxsidebar" / "settings.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("queues = 5\n", encoding="utf-8")
    assert run(["--hub-url", "https://hub.example"]) == 2
    assert f"{user_file}: key 'queues'" in capsys.readouterr().err


def test_autostart_launch_exits_when_the_user_turned_autostart_off(tmp_path):
    user_file = tmp_path / "xdg_config_home" / "cxsidebar" / "settings.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("autostart = false\n", encoding="utf-8")
    assert run(["--autostart"]) == 0


def test_an_uncaught_error_is_shown_as_plain_text(qapp, qtbot, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from cxsidebar.app import _show_error

    monkeypatch.setattr("cxsidebar.app._error_box", [])  # dropped after the test
    _show_error("<b>ValueError</b>: broken")
    boxes = [w for w in qapp.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].textFormat() is Qt.TextFormat.PlainText
    assert "<b>ValueError</b>: broken" in boxes[0].text()
    boxes[0].close()
    qtbot.waitUntil(lambda: not boxes[0].isVisible())
