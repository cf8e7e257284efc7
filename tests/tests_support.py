"""Small helpers shared by the tests that run `tracker` as a real process."""

from __future__ import annotations

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
