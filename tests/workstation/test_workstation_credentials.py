"""The token lives in the OS keystore, or only in memory when there is none."""

from __future__ import annotations

from cx_keyring import MemoryKeyring
from keyring.backends import fail

from cxsidebar.credentials import SERVICE, TokenStore


def test_tokens_are_kept_per_hub():
    backend = MemoryKeyring()
    store = TokenStore(backend)
    assert store.persistent
    assert store.load("https://hub.example") is None
    assert store.save("https://hub.example/", "tok-1")
    assert store.load("https://hub.example") == "tok-1"
    assert store.load("https://other.example") is None
    assert backend.items == {(SERVICE, "https://hub.example"): "tok-1"}
    store.forget("https://hub.example")
    assert store.load("https://hub.example") is None


def test_without_a_keystore_nothing_is_stored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = TokenStore(fail.Keyring())
    assert not store.persistent
    assert store.save("https://hub.example", "tok-1") is False
    assert store.load("https://hub.example") is None
    store.forget("https://hub.example")
    assert list(tmp_path.iterdir()) == []


def test_a_keystore_that_refuses_keeps_the_session_going():
    store = TokenStore(MemoryKeyring(refuse=True))
    assert store.save("https://hub.example", "x" * 3000) is False
    assert store.load("https://hub.example") is None
