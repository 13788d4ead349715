"""The sidebar's settings: layers in order, policy locks, and errors that name the file and key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cxsidebar.settings import (
    ADMIN,
    SCHEMA,
    Locations,
    Origin,
    Settings,
    SettingsError,
    load_settings,
    save_user_settings,
    schema,
)

NOWHERE = Locations.none()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def places(tmp_path: Path) -> Locations:
    return Locations(
        machine_config=tmp_path / "etc" / "config.toml",
        user_config=tmp_path / "home" / "settings.toml",
        policy_dir=tmp_path / "etc" / "policy.d",
    )


def test_defaults_need_nothing():
    settings = load_settings(environ={}, locations=NOWHERE)
    assert settings.hub_url == "http://127.0.0.1:8700"
    assert settings.queues == ()
    assert settings.db_path.name == "sidebar.sqlite3"
    assert settings.use_system_trust is True
    assert settings.origin("hub_url") == Origin("default", locked=False)


def test_layers_file_then_environment_then_flags(tmp_path):
    config = write(
        tmp_path / "config.toml",
        '[sidebar]\nhub_url = "https://file.example"\nqueues = ["billing"]\ntoken = "from-file"\n',
    )
    environ = {"CXSIDEBAR_HUB_URL": "https://env.example", "CXSIDEBAR_QUEUES": "fraud, claims"}
    settings = load_settings(
        config, environ=environ, overrides={"queues": "vip", "pop": None}, locations=NOWHERE
    )
    assert settings.hub_url == "https://env.example"
    assert settings.queues == ("vip",)
    assert settings.token == "from-file"
    assert settings.pop == "pop"
    assert settings.origin("queues").source == "command line"
    assert settings.origin("token").source == str(config)


def test_machine_then_user_then_environment_then_command_line(places):
    write(
        places.machine_config,
        'hub_url = "https://machine.example"\nlog_level = "debug"\n'
        'queues = ["a"]\npop = "notify"\nproxy_url = "http://proxy:3128"\n',
    )
    write(places.user_config, '[sidebar]\nqueues = ["b"]\npop = "pop"\nhub_url = "https://me"\n')
    settings = load_settings(
        environ={"CXSIDEBAR_POP": "notify", "CXSIDEBAR_USE_SYSTEM_TRUST": "no"},
        overrides={"hub_url": "https://flag.example"},
        locations=places,
    )
    assert settings.log_level == "DEBUG"
    assert settings.proxy_url == "http://proxy:3128"
    assert settings.queues == ("b",)
    assert settings.pop == "notify"
    assert settings.use_system_trust is False
    assert settings.hub_url == "https://flag.example"
    assert settings.origin("log_level").source == str(places.machine_config)
    assert settings.origin("queues").source == str(places.user_config)
    assert settings.origin("pop").source == "environment (CXSIDEBAR_*)"


def test_policy_wins_over_everything_and_locks(places):
    write(places.machine_config, 'hub_url = "https://machine.example"\n')
    write(places.policy_dir / "10-hub.toml", 'hub_url = "https://policy.example"\nautostart = 1\n')
    write(places.policy_dir / "20-later.toml", "[sidebar]\nautostart = false\n")
    write(places.policy_dir / "notes.txt", "not a policy")
    settings = load_settings(
        environ={"CXSIDEBAR_HUB_URL": "https://env.example"},
        overrides={"hub_url": "https://flag.example"},
        locations=places,
    )
    assert settings.hub_url == "https://policy.example"
    assert settings.origin("hub_url") == Origin(str(places.policy_dir / "10-hub.toml"), True)
    assert settings.autostart is False  # files apply in name order
    assert settings.locked("autostart")
    assert not settings.locked("queues")


def test_bad_policy_file_is_an_error_not_ignored(places):
    policy = write(places.policy_dir / "hub.toml", 'hub_url = "hub.example"\n')
    with pytest.raises(SettingsError, match=rf"{policy}: key 'hub_url': expected an http"):
        load_settings(environ={}, locations=places)


def test_user_file_may_not_set_administrator_keys(places):
    write(places.user_config, 'db_path = "/mnt/share/ratings.sqlite3"\n')
    with pytest.raises(SettingsError, match=r"settings.toml: key 'db_path': only an administrator"):
        load_settings(environ={}, locations=places)


def test_config_file_from_environment(tmp_path):
    config = write(tmp_path / "config.toml", 'db_path = "~/ratings.sqlite3"\n')
    settings = load_settings(environ={"CXSIDEBAR_CONFIG": str(config)}, locations=NOWHERE)
    assert settings.db_path == Path("~/ratings.sqlite3").expanduser()


def test_unknown_key_names_the_file_and_key(tmp_path):
    config = write(tmp_path / "config.toml", 'hub = "https://typo.example"\n')
    with pytest.raises(SettingsError) as info:
        load_settings(config, environ={}, locations=NOWHERE)
    assert str(config) in str(info.value)
    assert "'hub'" in str(info.value)
    assert "hub_url" in str(info.value)  # the known keys are listed


def test_wrong_type_says_what_was_expected(tmp_path):
    config = write(tmp_path / "config.toml", "queues = 3\n")
    with pytest.raises(SettingsError, match=r"key 'queues': expected a list of queue names"):
        load_settings(config, environ={}, locations=NOWHERE)


def test_bad_value_names_the_key(tmp_path):
    config = write(tmp_path / "config.toml", 'hub_url = "ftp://hub"\n')
    with pytest.raises(SettingsError, match=r"config.toml: key 'hub_url': expected an http"):
        load_settings(config, environ={}, locations=NOWHERE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('autostart = "maybe"', r"key 'autostart': expected true or false, got 'maybe'"),
        ('log_level = "chatty"', r"key 'log_level': expected 'DEBUG' or 'INFO'"),
        ('proxy_url = "proxy:3128"', r"key 'proxy_url': expected an http:// or https://"),
        ('pop = "shout"', r"key 'pop': expected 'pop' or 'notify' or 'accept', got 'shout'"),
    ],
)
def test_each_kind_says_what_it_expects(places, text, expected):
    write(places.machine_config, text + "\n")
    with pytest.raises(SettingsError, match=expected):
        load_settings(environ={}, locations=places)


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path / "c.toml", "hub_url = \n"), environ={}, locations=NOWHERE)
    with pytest.raises(SettingsError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", environ={}, locations=NOWHERE)


def test_absent_machine_user_and_policy_files_are_fine(places):
    assert load_settings(environ={}, locations=places) == Settings()


def test_other_tools_variables_are_left_alone():
    settings = load_settings(
        environ={"CXSIDEBAR_VENV": ".venv", "CXSIDEBAR_BOT_SECRET": "x"}, locations=NOWHERE
    )
    assert settings == Settings()


def test_bad_environment_value_names_the_variable_source():
    with pytest.raises(SettingsError, match=r"environment \(CXSIDEBAR_\*\): key 'hub_url'"):
        load_settings(environ={"CXSIDEBAR_HUB_URL": "hub.example"}, locations=NOWHERE)


def test_token_is_not_in_repr():
    assert "s3cret" not in repr(Settings(token="s3cret"))


def test_direct_construction_is_checked_too():
    with pytest.raises(SettingsError, match="key 'log_level'"):
        Settings(log_level="LOUD")


def test_schema_covers_every_field_once():
    fields = {f.name for f in dataclasses.fields(Settings)} - {"origins"}
    assert [key.name for key in SCHEMA] == list(dict.fromkeys(key.name for key in SCHEMA))
    assert {key.name for key in SCHEMA} == fields
    assert set(schema()) == fields
    assert schema()["token"].secret
    assert schema()["token"].who == ADMIN


def test_user_settings_round_trip(places):
    save_user_settings(places.user_config, {"queues": ("billing", 'vip "gold"'), "pop": "notify"})
    save_user_settings(places.user_config, {"autostart": False})
    settings = load_settings(environ={}, locations=places)
    assert settings.queues == ("billing", 'vip "gold"')
    assert settings.pop == "notify"
    assert settings.autostart is False


def test_user_settings_never_take_the_token_or_bad_values(places):
    with pytest.raises(SettingsError, match="key 'token': only an administrator"):
        save_user_settings(places.user_config, {"token": "s3cret"})
    with pytest.raises(SettingsError, match="key 'hub_url'"):
        save_user_settings(places.user_config, {"hub_url": "nope"})
    assert not places.user_config.exists()
