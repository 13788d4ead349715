"""Corporate TLS: an unknown CA fails with the host and the reason; a CA bundle fixes it."""

from __future__ import annotations

import shutil

import pytest
from cx_tls_server import tls_server

from cxsidebar.doctor import Check, Status, run_checks
from cxsidebar.netconfig import http_options
from cxsidebar.settings import Settings, SettingsError

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
TRAY = Check("system tray", Status.PASS, "stubbed")


def test_an_untrusted_certificate_names_the_host_and_the_reason(tmp_path):
    with tls_server(tmp_path) as (url, _cert):
        settings = Settings(hub_url=url, db_path=tmp_path / "s.sqlite3")
        checks = run_checks(settings, "t", timeout=5.0, tray=lambda: TRAY)
    reach = next(c for c in checks if c.name == "hub reachable")
    assert reach.status is Status.FAIL
    assert "TLS with 127.0.0.1 failed" in reach.detail
    assert "certificate verify failed" in reach.detail
    assert "_ssl.c" not in reach.detail


def test_a_ca_bundle_makes_the_hub_trusted(tmp_path):
    with tls_server(tmp_path) as (url, cert):
        settings = Settings(hub_url=url, ca_bundle=str(cert), db_path=tmp_path / "s.sqlite3")
        checks = run_checks(settings, "t", timeout=5.0, tray=lambda: TRAY)
    by_name = {c.name: c for c in checks}
    assert by_name["hub reachable"].status is Status.PASS
    assert by_name["TLS"].status is Status.PASS
    assert "127.0.0.1" in by_name["TLS"].detail


def test_a_missing_ca_bundle_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="key 'ca_bundle'"):
        http_options(Settings(ca_bundle=str(tmp_path / "absent.pem")))


def test_proxy_settings_reach_the_http_options():
    options = http_options(Settings(proxy_url="http://proxy.corp:3128", use_env_proxy=False))
    assert options.proxy == "http://proxy.corp:3128"
    assert options.trust_env is False
    assert http_options(Settings()).proxy is None
