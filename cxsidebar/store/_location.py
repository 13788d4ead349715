"""Where the ratings database may live: on a local disk, never on a network filesystem.

SQLite's WAL mode needs shared memory and reliable locks between processes on
one host; network filesystems (NFS, SMB/CIFS, ...) provide neither, so a
database there can be corrupted. Roaming or redirected profiles are common in
contact centres, so the store refuses such a path with a message naming it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath

# Filesystem types that SQLite's locking and WAL cannot trust.
NETWORK_FS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
        "lustre", "gpfs", "fuse.sshfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs",
        "fuse.cephfs", "fuse.glusterfs",
    }
)  # fmt: skip
DRIVE_REMOTE = 4  # GetDriveTypeW
PROC_MOUNTS = Path("/proc/mounts")


class StoreLocationError(ValueError):
    """The database path is on a network filesystem; the message says which and what to do."""


def filesystem_type(path: Path, mounts: Path = PROC_MOUNTS) -> str | None:
    """The type of the filesystem holding `path`, from a /proc/mounts-style file."""
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = PurePath(os.path.abspath(path))
    best: tuple[int, str] | None = None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = PurePath(parts[1].replace("\\040", " "))
        if (target == point or point in target.parents) and (
            best is None or len(point.parts) > best[0]
        ):
            best = (len(point.parts), parts[2])
    return best[1] if best else None


def is_network_path(path: Path, mounts: Path = PROC_MOUNTS) -> tuple[bool, str]:
    """(True, why) when `path` is on a network filesystem or drive."""
    if sys.platform == "win32":
        import ctypes

        text = str(Path(path).resolve())
        if text.startswith("\\\\"):
            return True, "a UNC path"
        root = os.path.splitdrive(text)[0] + "\\"
        kind = ctypes.windll.kernel32.GetDriveTypeW(root)  # type: ignore[attr-defined]
        return kind == DRIVE_REMOTE, f"drive {root} (type {kind})"
    fs = filesystem_type(path, mounts)
    return fs in NETWORK_FS, f"filesystem {fs or 'unknown'}"


def check_local(path: Path, mounts: Path = PROC_MOUNTS) -> None:
    """Raise StoreLocationError if `path` is on a network filesystem."""
    remote, why = is_network_path(path, mounts)
    if remote:
        raise StoreLocationError(
            f"{path}: the ratings database cannot live on a network disk ({why}); SQLite's "
            "write-ahead log needs a local disk. Set db_path to a local folder."
        )
