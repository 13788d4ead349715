"""`cxsidebar-hub` / `python -m cxsidebar.hub`: set-up commands and their errors."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.hub import free_port

from cxsidebar.hub import open_storage
from cxsidebar.hub.cli import main
from cxsidebar.hub.signing import sign_headers, verify_delivery


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def test_sources_add_prints_the_secret_alone_on_the_last_line(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert main(["sources", "add", "acme-bot", "--db", url]) == 0
    secret = last_line(capsys.readouterr().out)
    assert secret.startswith("whsec_")
    assert " " not in secret
    storage = open_storage(url)
    try:
        assert storage.list_sources() == ["acme-bot"]
        headers = sign_headers(secret, b"{}")
        assert verify_delivery(b"{}", headers, storage.source_secrets(), tolerance_seconds=300)
    finally:
        storage.close()


def test_tokens_create_prints_the_token_and_stores_only_its_hash(tmp_path: Path, capsys):
    path = tmp_path / "hub.sqlite3"
    url = f"sqlite:///{path}"
    argv = ["tokens", "create", "--role", "supervisor", "--name", "Sue Lee", "--queues", "a, b"]
    assert main([*argv, "--db", url]) == 0
    token = last_line(capsys.readouterr().out)
    assert token.startswith("cxs_")
    assert " " not in token
    storage = open_storage(url)
    try:
        info = storage.find_token(token)
    finally:
        storage.close()
    assert info is not None
    assert (info.name, info.role.value, info.queues) == ("Sue Lee", "supervisor", {"a", "b"})
    with sqlite3.connect(path) as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["sources", "add", "bot", "--db", "mysql://db/hub"], "unsupported database 'mysql'"),
        (["sources", "add", "bot", "--db", "sqlite:///missing/dir/hub.db"], "does not exist"),
        (["tokens", "create", "--role", "agent", "--name", " ", "--db", "sqlite:///h.db"], "name"),
        (["serve", "--db", "nonsense"], "expected a database URL"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, says, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert captured.err.startswith("cxsidebar-hub: ")
    assert captured.out == ""


def test_a_duplicate_source_name_exits_2(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    main(["sources", "add", "bot", "--db", url])
    assert main(["sources", "add", "bot", "--db", url]) == 2
    assert "exists already" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["tokens", "create", "--role", "root", "--name", "x", "--db", "sqlite:///h.db"],
        ["serve", "--db", "sqlite:///h.db", "--heartbeat", "0"],
        ["serve"],
        [],
    ],
)
def test_argparse_errors_exit_2(argv, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_python_dash_m_runs_the_same_cli(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "cxsidebar.hub", "sources", "add", "bot",
         "--db", f"sqlite:///{tmp_path / 'hub.sqlite3'}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert last_line(result.stdout).startswith("whsec_")


def test_serve_exits_2_on_a_bad_db_url_without_starting():
    result = subprocess.run(
        [sys.executable, "-m", "cxsidebar.hub", "serve", "--db", "sqlite://oops", "--port", "1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "three slashes" in result.stderr


@pytest.mark.postgresql
def test_set_up_commands_work_on_postgresql(pg_url: str, capsys):
    assert main(["sources", "add", "acme-bot", "--db", pg_url]) == 0
    assert last_line(capsys.readouterr().out).startswith("whsec_")
    assert main(["tokens", "create", "--role", "agent", "--name", "Al", "--db", pg_url]) == 0
    token = last_line(capsys.readouterr().out)
    storage = open_storage(pg_url)
    try:
        assert storage.list_sources() == ["acme-bot"]
        info = storage.find_token(token)
        assert info is not None
        assert info.name == "Al"
    finally:
        storage.close()


def test_an_unreachable_postgresql_exits_2_without_showing_the_password(capsys):
    port = free_port()  # nothing listens there
    url = f"postgresql://hub:s3cret-pw@127.0.0.1:{port}/hub"
    assert main(["sources", "add", "bot", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "cannot open 'postgresql://hub:***@127.0.0.1" in err
    assert "s3cret-pw" not in err
