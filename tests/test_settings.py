"""The sidebar's settings: layers in order, and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxsidebar.settings import Settings, SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_nothing():
    settings = load_settings(environ={})
    assert settings.hub_url == "http://127.0.0.1:8700"
    assert settings.queues == ()
    assert settings.db_path.name == "sidebar.sqlite3"


def test_layers_file_then_environment_then_flags(tmp_path):
    config = write(
        tmp_path,
        '[sidebar]\nhub_url = "https://file.example"\nqueues = ["billing"]\ntoken = "from-file"\n',
    )
    environ = {"CXSIDEBAR_HUB_URL": "https://env.example", "CXSIDEBAR_QUEUES": "fraud, claims"}
    settings = load_settings(config, environ=environ, overrides={"queues": "vip", "pop": None})
    assert settings.hub_url == "https://env.example"
    assert settings.queues == ("vip",)
    assert settings.token == "from-file"
    assert settings.pop == "pop"


def test_config_file_from_environment(tmp_path):
    config = write(tmp_path, 'db_path = "~/ratings.sqlite3"\n')
    settings = load_settings(environ={"CXSIDEBAR_CONFIG": str(config)})
    assert settings.db_path == Path("~/ratings.sqlite3").expanduser()


def test_unknown_key_names_the_file_and_key(tmp_path):
    config = write(tmp_path, 'hub = "https://typo.example"\n')
    with pytest.raises(SettingsError) as info:
        load_settings(config, environ={})
    assert str(config) in str(info.value)
    assert "'hub'" in str(info.value)
    assert "hub_url" in str(info.value)  # the known keys are listed


def test_wrong_type_says_what_was_expected(tmp_path):
    config = write(tmp_path, "queues = 3\n")
    with pytest.raises(SettingsError, match=r"key 'queues': expected a list of queue names"):
        load_settings(config, environ={})


def test_bad_value_names_the_key(tmp_path):
    config = write(tmp_path, 'hub_url = "ftp://hub"\n')
    with pytest.raises(SettingsError, match=r"config.toml: key 'hub_url': expected an http"):
        load_settings(config, environ={})


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "hub_url = \n"), environ={})
    with pytest.raises(SettingsError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_other_tools_variables_are_left_alone():
    settings = load_settings(environ={"CXSIDEBAR_VENV": ".venv", "CXSIDEBAR_BOT_SECRET": "x"})
    assert settings == Settings()


def test_bad_environment_value_names_the_variable_source():
    with pytest.raises(SettingsError, match=r"environment \(CXSIDEBAR_\*\): key 'hub_url'"):
        load_settings(environ={"CXSIDEBAR_HUB_URL": "hub.example"})


def test_token_is_not_in_repr():
    assert "s3cret" not in repr(Settings(token="s3cret"))
