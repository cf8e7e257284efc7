"""The exception tree. Everything the tracker raises on purpose derives from TrackerError.

    TrackerError
    ├── ConfigError      config.toml is missing, unreadable or invalid (carries every problem)
    ├── FetchError       a feed could not be retrieved (network, HTTP status, size)
    ├── ParseError       bytes that are not a feed
    ├── StoreError       the database refused or failed
    └── TemplateError    an alert template failed to render

I/O errors are wrapped where they happen (`raise FetchError(url, "...") from e`), so
callers only ever catch these. Channels do not raise: `send()` returns a Delivery.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Root of every error the tracker raises on purpose.

    Every one pickles, whatever its subclass's __init__ takes (the poller's worker
    processes send ParseError back to the parent): it is rebuilt from its message and its
    attributes, not by calling __init__ again.
    """

    def __reduce__(self):
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type, args: tuple, state: dict) -> TrackerError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(TrackerError):
    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) to fix:\n{lines}")


class FetchError(TrackerError):
    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class ParseError(TrackerError):
    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class StoreError(TrackerError):
    pass


class TemplateError(TrackerError):
    pass
