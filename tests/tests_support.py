"""Small helpers shared by the tests that run `tracker` as a real process."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)


def config_with_feeds(folder: Path, urls: list[str], processes: int | None = None, extra: str = "") -> Path:
    """A config polling `urls` (local servers: private networks allowed) into a file outbox."""
    lines = ["[tracker]", 'poll_check = "1s"', 'deliver_every = "1s"']
    if processes is not None:
        lines.append(f"processes = {processes}")
    lines += ["[fetch]", "allow_private_networks = true", "total_timeout = 10", "per_host_limit = 64"]
    for i, url in enumerate(urls):
        lines += ["[[feeds]]", f'name = "feed {i}"', f'url = "{url}"', 'every = "15m"']
    lines += ["[[channels]]", 'name = "out"', 'type = "file"', 'path = "outbox"', 'group_wait = "0s"', extra]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def socket_owner(peer: tuple[str, int], pids: Iterable[int]) -> int | None:
    """Which of `pids` holds the IPv4 TCP socket whose local end is `peer` (ip, port): the
    client of a connection a local server accepted, asked while that client waits for the
    answer. Reads Linux's /proc; None when none of them holds it."""
    local = f"{socket.inet_aton(peer[0])[::-1].hex().upper()}:{peer[1]:04X}"  # /proc/net/tcp's notation
    try:
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    inodes = {f"socket:[{f[9]}]" for f in (row.split() for row in rows) if f[1] == local}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # gone
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:  # closed while we looked
                continue
    return None
