"""The ratings database is refused on a network filesystem, with a message naming the path."""

from __future__ import annotations

import sys

import pytest

from cxsidebar.store import LocalStore, StoreLocationError, is_network_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="reads a /proc/mounts-style file")


def mounts_file(tmp_path, fs: str):
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\n//srv/profiles {share} {fs} rw 0 0\n", "utf-8")
    return mounts, share


@pytest.mark.parametrize("fs", ["cifs", "smb3", "nfs4", "fuse.sshfs", "9p"])
def test_a_network_disk_is_refused_before_anything_is_written(tmp_path, fs):
    mounts, share = mounts_file(tmp_path, fs)
    path = share / "cxsidebar" / "sidebar.sqlite3"
    with pytest.raises(StoreLocationError) as info:
        LocalStore(path, mounts=mounts)
    message = str(info.value)
    assert str(path) in message
    assert f"filesystem {fs}" in message
    assert "local" in message
    assert not path.parent.exists()


def test_a_local_disk_is_fine(tmp_path):
    mounts, _share = mounts_file(tmp_path, "cifs")
    store = LocalStore(tmp_path / "local" / "sidebar.sqlite3", mounts=mounts)
    store.close()
    assert not is_network_path(tmp_path / "local", mounts)[0]
