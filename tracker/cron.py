"""Cron lines as standard cron means them, for APScheduler 3. Pure: no clock.

APScheduler 3's `CronTrigger.from_crontab` numbers weekdays from Monday = 0, so the
README's `0 8 * * 1-5` ran Tuesday to Saturday. Here the day-of-week field means what
cron(5) means: 0 and 7 are Sunday, 1 is Monday, names (`mon-fri`) work, ranges may wrap
(`5-1`: Friday to Monday), steps are allowed (`*/2`, `1-5/2`). When both day-of-month and
day-of-week are restricted, a day matching either fires, as in cron. `@hourly`, `@daily`
(`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`) are accepted.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
#: cron's weekday numbers (0 and 7: Sunday) as APScheduler's names.
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_NUMBER = {name: i for i, name in enumerate(_DAYS)}


def _day(token: str) -> int:
    token = token.strip().lower()
    if token in _DAY_NUMBER:
        return _DAY_NUMBER[token]
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"{token!r} is not a weekday (0-7, 0 and 7 are Sunday, or sun..sat)")


def weekdays(field: str) -> frozenset[int]:
    """The days (0 = Sunday .. 6) a cron day-of-week field names. Raises ValueError."""
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} must be at least 1")
        if rng == "*":
            first, last = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            first, last = _day(a), _day(b)
            if b.strip() == "7":
                last = 7  # "5-7": Friday to Sunday
            elif last < first:
                last += 7  # "5-1": Friday to Monday
        else:
            first = last = _day(rng)
            if step_text:
                last = 6  # "1/2": from Monday, every other day (cron's reading)
        days.update(d % 7 for d in range(first, last + 1, step))
    return frozenset(days)


def trigger(line: str, timezone: tzinfo) -> BaseTrigger:
    """An APScheduler trigger for a standard cron line in `timezone`. Raises ValueError."""
    text = MACROS.get(line.strip().lower(), line)
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f"a cron line has 5 fields (minute hour day month weekday), not {len(fields)}")
    minute, hour, dom, month, dow = fields
    days = ",".join(_DAYS[d] for d in sorted(weekdays(dow)))

    def cron(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=timezone)

    if dom != "*" and dow != "*":  # cron(5): either restriction fires
        return OrTrigger([cron(dom, "*"), cron("*", days)])
    return cron(dom, days if dow != "*" else "*")


def next_runs(t: BaseTrigger, now: datetime, n: int = 3) -> list[datetime]:
    """The next `n` times `t` fires after `now` (for `tracker check`)."""
    out: list[datetime] = []
    previous = None
    at = now
    while len(out) < n:
        fire = t.get_next_fire_time(previous, at)
        if fire is None:
            break
        out.append(fire)
        previous, at = fire, fire
    return out
