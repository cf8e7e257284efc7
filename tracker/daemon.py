"""`tracker run`: an APScheduler BlockingScheduler with three jobs.

    poll     every [tracker] poll_check (10 s): polls the feeds whose next poll is due
             (each feed has its own interval with jitter, kept in the database),
             concurrently (tracker.poller); a batch that saved changes wakes `deliver`
    tick     every minute: the countdown clock over open pauses
    deliver  every [tracker] deliver_every (15 s): sends due alerts from the outbox, and
             at once after a poll or tick that wrote new alerts
    digest   for each channel with mode = "digest": on its cron schedule, in its time zone

Scheduling state lives in our database, not in APScheduler's job store, so a restart
loses nothing. Each job: max_instances=1 (never overlaps itself), coalesce=True (a run
missed while the machine slept is run once, not many times) and a misfire_grace_time
of a full period (APScheduler 3 otherwise silently drops a run more than 1 s late).
SIGTERM and SIGINT set a stop flag that jobs check between items, then shut down.
"""

from __future__ import annotations

import logging
import signal
import threading
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from . import cron
from .app import App
from .clock import utcnow
from .config import mask_db
from .errors import TrackerError

log = logging.getLogger("tracker")


def _guarded(name: str, fn):
    def job():
        try:
            fn()
        except TrackerError as e:
            log.error("%s job failed, will run again: %s", name, e)
        except Exception:  # a bug must not kill the daemon; it is logged with its traceback
            log.exception("%s job crashed, will run again", name)

    return job


def run(app: App) -> None:
    stop = threading.Event()
    p = app.pipeline
    s = app.settings
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(3)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone="UTC",
    )

    def deliver_now_if(changed: bool) -> None:
        if changed and not stop.is_set():
            scheduler.modify_job("deliver", next_run_time=utcnow())  # alerts go out now, not in 15 s

    def poll() -> None:
        # alerts go out as soon as the batch that saved them is committed, not after the
        # last of thousands of feeds
        p.poll(utcnow(), stop=stop, on_changes=lambda changes: deliver_now_if(True))

    jobs = (
        ("poll", poll, s.poll_check_seconds),
        ("tick", lambda: deliver_now_if(bool(p.tick(utcnow()))), 60),
        ("deliver", lambda: p.deliver(utcnow(), stop=stop), s.deliver_every_seconds),
    )
    for name, fn, every in jobs:
        scheduler.add_job(
            _guarded(name, fn),
            "interval",
            seconds=every,
            id=name,
            name=name,
            next_run_time=utcnow(),  # run once at start, then every period
            misfire_grace_time=every,
        )

    for c in s.channels:
        if c.rules.mode == "digest" and c.rules.schedule:

            def digest(name=c.name) -> None:
                p.digest(name, utcnow())
                deliver_now_if(True)

            scheduler.add_job(
                _guarded(f"digest {c.name}", digest),
                cron.trigger(c.rules.schedule, ZoneInfo(c.rules.timezone)),
                id=f"digest:{c.name}",
                name=f"digest {c.name}",
                misfire_grace_time=3600,  # a digest missed while the machine slept still goes, once
            )

    def on_signal(signum, _frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info(
        "tracker started: %d feed(s), %d channel(s), database %s",
        len(s.feeds), len(s.channels), mask_db(s.database),
    )
    try:
        scheduler.start()  # blocks until shutdown
    finally:
        p.close()  # the poller's digest processes
    log.info("tracker stopped")
