"""`cxsidebar doctor` against a real hub, and each way a workstation can fail it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxsidebar.doctor import (
    Check,
    Status,
    check_database,
    report,
    run_checks,
)
from cxsidebar.settings import Settings
from cxsidebar.store import filesystem_type, is_network_path

FIXED_TRAY = Check("system tray", Status.PASS, "stubbed")


def rows(checks: list[Check]) -> dict[str, Status]:
    return {c.name: c.status for c in checks}


def test_all_checks_pass_against_a_real_hub(hub, tmp_path):
    settings = Settings(hub_url=hub.url, db_path=tmp_path / "data" / "sidebar.sqlite3")
    checks = run_checks(settings, hub.agent_token, tray=lambda: FIXED_TRAY)
    assert rows(checks) == {
        "configuration": Status.PASS,
        "hub reachable": Status.PASS,
        "TLS": Status.WARN,  # the test hub speaks plain HTTP
        "token": Status.PASS,
        "event stream": Status.PASS,
        "local database": Status.PASS,
        "system tray": Status.PASS,
    }
    token_row = next(c for c in checks if c.name == "token")
    assert "signed in as" in token_row.detail
    out = io.StringIO()
    assert report(checks, out) == 0
    assert "all checks passed" in out.getvalue()


def test_a_refused_token_fails_and_skips_the_stream(hub, tmp_path):
    settings = Settings(hub_url=hub.url, db_path=tmp_path / "sidebar.sqlite3")
    checks = run_checks(settings, "not-a-token", tray=lambda: FIXED_TRAY)
    assert rows(checks)["token"] is Status.FAIL
    assert rows(checks)["event stream"] is Status.SKIP
    out = io.StringIO()
    assert report(checks, out) == 1
    assert "FAILED: token" in out.getvalue()


def test_no_token_at_all_says_how_to_sign_in(hub, tmp_path):
    settings = Settings(hub_url=hub.url, db_path=tmp_path / "sidebar.sqlite3")
    checks = run_checks(settings, None, tray=lambda: FIXED_TRAY)
    token_row = next(c for c in checks if c.name == "token")
    assert token_row.status is Status.FAIL
    assert "sign in" in token_row.detail


def test_an_unreachable_hub_fails_with_the_reason(tmp_path):
    from support.hub import free_port

    url = f"http://127.0.0.1:{free_port()}"
    checks = run_checks(
        Settings(hub_url=url, db_path=tmp_path / "s.sqlite3"),
        "t",
        timeout=2.0,
        tray=lambda: FIXED_TRAY,
    )
    reach = next(c for c in checks if c.name == "hub reachable")
    assert reach.status is Status.FAIL
    assert url in reach.detail
    assert "connection refused" in reach.detail
    assert "token" not in rows(checks)


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export/home /home nfs4 rw,relatime 0 0
//filer/profiles /mnt/my\\040profiles cifs rw 0 0
tmpfs /home/agent/.cache tmpfs rw 0 0
"""


@pytest.mark.skipif(sys.platform == "win32", reason="reads a /proc/mounts-style file")
def test_network_filesystems_are_found_by_the_longest_mount(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS, encoding="utf-8")
    assert filesystem_type(Path("/home/agent/db.sqlite3"), mounts) == "nfs4"
    assert filesystem_type(Path("/home/agent/.cache/x"), mounts) == "tmpfs"
    assert filesystem_type(Path("/mnt/my profiles/a"), mounts) == "cifs"
    assert filesystem_type(Path("/var/lib/x"), mounts) == "ext4"
    assert is_network_path(Path("/home/agent"), mounts)[0]
    assert not is_network_path(Path("/var/lib"), mounts)[0]


@pytest.mark.skipif(sys.platform == "win32", reason="reads a /proc/mounts-style file")
def test_a_database_on_a_network_disk_fails(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nsrv:/x {tmp_path} nfs rw 0 0\n", encoding="utf-8")
    check = check_database(tmp_path / "data" / "sidebar.sqlite3", mounts)
    assert check.status is Status.FAIL
    assert "network disk (filesystem nfs)" in check.detail


def test_a_database_folder_that_cannot_be_made_fails(tmp_path):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    check = check_database(tmp_path / "file" / "sidebar.sqlite3")
    assert check.status is Status.FAIL
    assert "not writable" in check.detail


def test_a_database_path_that_is_a_folder_fails(tmp_path):
    (tmp_path / "sidebar.sqlite3").mkdir()
    check = check_database(tmp_path / "sidebar.sqlite3")
    assert check.status is Status.FAIL


def test_tray_is_a_warning_offscreen(qapp):
    from cxsidebar.doctor import check_tray

    check = check_tray()
    assert check.status is Status.WARN


def _doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = (
        {k: v for k, v in os.environ.items() if not k.startswith("CXSIDEBAR_")}
        | {
            "HOME": str(tmp_path / "home"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        | env
    )
    return subprocess.run(
        [sys.executable, "-m", "cxsidebar", *args, "doctor"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_exits_zero_when_healthy_and_one_on_failure(hub, tmp_path):
    ok = _doctor(tmp_path, "--hub-url", hub.url, CXSIDEBAR_TOKEN=hub.agent_token)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "event stream" in ok.stdout
    assert "all checks passed" in ok.stdout
    bad = _doctor(tmp_path, "--hub-url", hub.url, CXSIDEBAR_TOKEN="wrong")
    assert bad.returncode == 1
    assert "FAILED: token" in bad.stdout
    assert (tmp_path / "state" / "cxsidebar" / "log" / "cxsidebar.log").is_file()


def test_the_command_reports_bad_configuration(tmp_path):
    result = _doctor(tmp_path, CXSIDEBAR_HUB_URL="hub.example")
    assert result.returncode == 1
    assert "configuration  FAIL" in result.stdout
    assert "key 'hub_url'" in result.stdout
