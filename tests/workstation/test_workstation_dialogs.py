"""The sign-in and settings dialogs: values in, values out through signals, locks shown."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from cxsidebar.settings import Locations, Settings, load_settings
from cxsidebar.startup import user_fields
from cxsidebar.ui.settings_dialog import SettingField, SettingsDialog
from cxsidebar.ui.sign_in import SignInDialog


def test_sign_in_emits_the_token_and_hides_it(qtbot):
    dialog = SignInDialog("https://hub.example", remembered=False)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert dialog.token_edit.echoMode() is QLineEdit.EchoMode.Password
    dialog.token_edit.setText("  tok-123 ")
    with qtbot.waitSignal(dialog.token_entered) as signal:
        ok.click()
    assert signal.args == ["tok-123"]


def test_settings_dialog_returns_only_changes_and_locks_policy_keys(qtbot):
    fields = [
        SettingField("hub_url", "Hub url", "https://a.example", locked_by="/etc/policy.d/x.toml"),
        SettingField("queues", "Queues", ("billing",)),
        SettingField("pop", "Pop", "pop", choices=("pop", "notify")),
        SettingField("autostart", "Autostart", True),
    ]
    dialog = SettingsDialog(fields)
    qtbot.addWidget(dialog)
    assert not dialog.editors["hub_url"].isEnabled()
    assert "administrator" in dialog.editors["hub_url"].toolTip()
    dialog.editors["queues"].setText("billing, vip")
    dialog.editors["pop"].setCurrentText("notify")
    with qtbot.waitSignal(dialog.settings_saved) as signal:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert signal.args == [{"queues": ("billing", "vip"), "pop": "notify"}]
    dialog.show_error("key 'hub_url': expected an http:// URL")
    assert "Not saved" in dialog.error_label.text()


def test_the_app_offers_user_keys_and_marks_policy_locks(tmp_path):
    places = Locations(None, None, tmp_path)
    (tmp_path / "lock.toml").write_text('pop = "notify"\n', encoding="utf-8")
    settings = load_settings(environ={}, locations=places)
    fields = {f.name: f for f in user_fields(settings)}
    assert "token" not in fields
    assert "db_path" not in fields
    assert fields["pop"].locked_by == str(tmp_path / "lock.toml")
    assert fields["queues"].locked_by == ""
    assert fields["autostart"].value is True
    assert isinstance(Settings().autostart, bool)
