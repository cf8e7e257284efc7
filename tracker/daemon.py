"""`tracker run`: an APScheduler BlockingScheduler with three jobs.

    poll     every [tracker] poll_check (10 s): polls the feeds whose next poll is due
             (each feed has its own interval with jitter, kept in the database),
             concurrently (tracker.poller); a batch that saved changes wakes `deliver`
    tick     every minute: the countdown clock over open pauses
    deliver  every [tracker] deliver_every (15 s): sends due alerts from the outbox, and
             at once after a poll or tick that wrote new alerts
    digest   for each channel with mode = "digest": on its cron schedule, in its time zone

On PostgreSQL, several daemons (workers) share one database (issue #16,
tracker.store.coordination): each registers a worker row renewed with everything it
holds every sixth of [tracker] lease by its own thread (and expires dead workers, whose
claims are then free); feeds and alerts are claimed by one worker each; the tick and each
digest run once per period across workers; a listener thread (LISTEN/NOTIFY) starts a
delivery as soon as any worker writes alerts. On SQLite, one daemon per database: it
takes the `daemon` lease (a row with its worker id, host, pid, start and heartbeat),
renewed the same way; a second daemon is refused with a message naming the first (and
PostgreSQL), and takes over a lease that ran out (its holder was killed). Feeds and
alerts are claimed there too, so `tracker run --once` beside the daemon is safe.

Scheduling state lives in our database, not in APScheduler's job store, so a restart
loses nothing. Each job: max_instances=1 (never overlaps itself), coalesce=True (a run
missed while the machine slept is run once, not many times) and a misfire_grace_time
of a full period (APScheduler 3 otherwise silently drops a run more than 1 s late).
SIGTERM and SIGINT set a stop flag that jobs check between items, then shut down.

What it logs (INFO, besides per-item warnings): one summary line per poll that polled
any feed, one per delivery run that had work (sent, retrying, failed, held, silenced),
and one per tick, every minute, with the open pauses and what is due next: an idle
daemon writes one line a minute, never one per 10-second poll check or 15-second
delivery run that found nothing to do. Each line carries its counts as fields
(`summary` = "poll", "delivery" or "tick"; see tracker.logs).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from . import cron
from .app import App
from .clock import utcnow
from .config import Settings, mask_db
from .errors import TrackerError
from .outbox import DeliveryReport
from .poll import PollSummary
from .store.coordination import AlertListener, Coordination, minute, several_workers
from .store.db import Lease, Outlook, Store

LEASE = "daemon"

log = logging.getLogger("tracker")

#: Seconds the daemon waits, after a stop signal, for running jobs to finish the item in hand.
STOP_WAIT_SECONDS = 8


def log_poll(s: PollSummary, seconds: float) -> None:
    log.info(
        "poll: %d feed(s), %d ok, %d not modified, %d failed; %d new or changed article(s), %d change(s) in %.2f s",
        s.feeds, s.ok, s.not_modified, s.failed, s.articles, s.changes, seconds,
        extra={"summary": "poll", "feeds": s.feeds, "ok": s.ok, "not_modified": s.not_modified, "failed": s.failed,
               "articles": s.articles, "changes": s.changes, "duration_s": round(seconds, 3)},
    )  # fmt: skip


def log_delivery(r: DeliveryReport, seconds: float) -> None:
    """Only for a run that had work."""
    counts = {"sent": r.sent, "retrying": r.retrying, "failed": r.failed, "held": r.held, "silenced": r.silenced}
    if any(counts.values()):
        log.info(
            "delivery: %d sent, %d retrying, %d failed, %d held, %d silenced in %.2f s", *counts.values(), seconds,
            extra={"summary": "delivery", **counts, "duration_s": round(seconds, 3)},
        )


def _until(at: datetime, now: datetime) -> str:
    left = int((at - now).total_seconds())
    if left <= 0:
        return "now"
    if left < 60:
        return f"in {left} s"
    return f"in {left // 60} min" if left < 3600 else f"in {left // 3600} h {left % 3600 // 60} min"


def log_tick(changes: int, o: Outlook, now: datetime) -> None:
    """The minute line: the sign of life of an idle daemon."""
    poll = f"next poll {_until(o.next_poll_at, now)} ({o.next_feed})" if o.next_poll_at else "no feed enabled"
    alerts = f"{o.pending_alerts} alert(s) pending" + (f", next try {_until(o.next_alert_at, now)}" if o.next_alert_at else "")
    log.info(
        "tick: %d open pause(s), %d change(s); %s; %s", o.open_pauses, changes, poll, alerts,
        extra={"summary": "tick", "open_pauses": o.open_pauses, "changes": changes, "next_feed": o.next_feed,
               "next_poll_at": o.next_poll_at.isoformat() if o.next_poll_at else None, "pending_alerts": o.pending_alerts,
               "next_alert_at": o.next_alert_at.isoformat() if o.next_alert_at else None},
    )  # fmt: skip


class _Jobs:
    """Wraps each job: an error is logged and the job runs again next time (a bug must not
    kill the daemon), and the jobs still running can be waited for at shutdown."""

    def __init__(self) -> None:
        self.running = 0
        self.idle = threading.Condition()

    def guarded(self, name: str, fn):
        def job():
            with self.idle:
                self.running += 1
            try:
                fn()
            except TrackerError as e:
                log.error("%s job failed, will run again: %s", name, e, extra={"job": name})
            except Exception:  # a bug must not kill the daemon; it is logged with its traceback
                log.exception("%s job crashed, will run again", name, extra={"job": name})
            finally:
                with self.idle:
                    self.running -= 1
                    self.idle.notify_all()

        return job

    def wait(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the running jobs to finish; how many still run."""
        with self.idle:
            self.idle.wait_for(lambda: self.running == 0, timeout)
            return self.running


def refusal(holder: Lease, database: str, now: datetime, lease_seconds: int) -> str:
    """Why a second daemon does not start, and what to do. Pure."""
    ago = max(0, int((now - holder.heartbeat_at).total_seconds()))
    left = max(0, int((holder.expires_at - now).total_seconds()))
    return (
        f"another tracker daemon is running on {database}: pid {holder.pid} on {holder.host} "
        f"(worker {holder.worker}), started {holder.started_at:%Y-%m-%d %H:%M:%S} UTC, last heartbeat {ago} s ago. "
        f"Two daemons on one database would poll and deliver twice over; stop that one first. "
        f"If it was killed, its lease runs out in {left} s ([tracker] lease = {lease_seconds} s) and a new daemon takes over. "
        f"`tracker run --once` beside it is safe. SQLite keeps one worker; several workers share the work on PostgreSQL "
        f"([tracker] database = \"postgresql://...\")."
    )


def take_lease(store: Store, s: Settings, worker: str, now: datetime) -> None:
    """Take the daemon lease for `worker`, or raise TrackerError with the refusal
    (tracker.app.open_store calls it for `tracker run`, before the feed sync)."""
    holder = store.acquire_lease(LEASE, worker, socket.gethostname(), os.getpid(), now, s.lease_seconds)
    if holder is not None:
        raise TrackerError(refusal(holder, mask_db(s.database), now, s.lease_seconds))


def _heartbeat(app: App, stop: threading.Event, lost: threading.Event, on_lost, coord: Coordination | None) -> None:
    """Every sixth of the lease until `stop`: renew this worker and all it holds, and expire
    the dead (PostgreSQL, `coord`), or renew the daemon lease (SQLite). A worker found
    expired (it stalled past its lease: others took what it held) registers again; a
    daemon whose lease another took (SQLite) sets `lost` and stops."""
    s, p = app.settings, app.pipeline
    every = s.lease_seconds / 6
    while not stop.wait(every):
        now = utcnow()
        try:
            if coord is not None:
                if not coord.heartbeat(p.worker, now, s.lease_seconds):
                    log.error("this worker's lease ran out (it stalled); what it held was taken over; registering again")
                    coord.register(p.worker, socket.gethostname(), os.getpid(), now, s.lease_seconds)
                dead = coord.expire(now)
                if dead:
                    log.warning("worker(s) %s stopped renewing their lease; their feeds and alerts are free", ", ".join(dead), extra={"workers": dead})
                continue
            mine = app.store.renew_lease(LEASE, p.worker, now, s.lease_seconds)
        except TrackerError as e:
            log.warning("could not renew the lease (will try again in %.0f s): %s", every, e)
            continue
        if not mine:
            holder = app.store.lease(LEASE)
            log.error(
                "another process took over the daemon lease (%s); stopping",
                f"pid {holder.pid} on {holder.host}" if holder else "nobody holds it now",
            )
            lost.set()
            on_lost()
            return


def _listen(app: App, stop: threading.Event, wake) -> None:
    """PostgreSQL: wake the delivery job as soon as any worker commits alerts (LISTEN)."""
    try:
        listener = AlertListener(app.store.engine)
    except TrackerError as e:
        log.warning("new alerts will wait for the next delivery run: %s", e)
        return
    try:
        while not stop.is_set():
            if listener.wait(1.0):
                wake()
    finally:
        listener.close()


def run(app: App, on_poll=None) -> None:
    """Run the jobs until a signal: as one of several workers (PostgreSQL: registered, and
    unregistered on the way out), or with the daemon lease taken (SQLite: tracker.app.build
    with daemon=True) and renewed, given up on the way out. `on_poll(seconds)` is told how
    long each poll that polled a feed took (the web server's metrics under `run --serve`)."""
    shared = several_workers(app.settings.database)
    if shared:
        coord = app.pipeline.coord
        coord.register(app.pipeline.worker, socket.gethostname(), os.getpid(), utcnow(), app.settings.lease_seconds)
    try:
        _run(app, on_poll, app.pipeline.coord if shared else None)
    finally:
        try:
            if shared:
                app.pipeline.coord.unregister(app.pipeline.worker, utcnow())
            else:
                app.store.release_lease(LEASE, app.pipeline.worker)
        except TrackerError as e:
            log.warning("could not give up the lease (it runs out by itself): %s", e)


def _run(app: App, on_poll=None, coord: Coordination | None = None) -> None:
    stop = threading.Event()
    lost = threading.Event()
    p = app.pipeline
    s = app.settings
    guard = _Jobs()
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(3)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone="UTC",
    )

    def deliver_now_if(changed: bool) -> None:
        if changed and not stop.is_set():
            try:
                scheduler.modify_job("deliver", next_run_time=utcnow())  # alerts go out now, not in 15 s
            except Exception:  # noqa: BLE001 - the scheduler is shutting down (JobLookupError, SchedulerNotRunning)
                pass

    def poll() -> None:
        started = time.monotonic()
        # alerts go out as soon as the batch that saved them is committed, not after the
        # last of thousands of feeds
        reports = p.poll(utcnow(), stop=stop, on_changes=lambda changes: deliver_now_if(True))
        if reports:
            log_poll(PollSummary.of(reports), time.monotonic() - started)
            if on_poll is not None:
                on_poll(time.monotonic() - started)

    def once(name: str, now: datetime, fn) -> bool:
        """Run `fn` if this worker is the one that runs job `name` this minute (every
        worker asks; one gets it, or another once that one's lease ran out)."""
        period = minute(now)
        if not p.coord.begin_once(name, period, p.worker, now, s.lease_seconds):
            return False
        try:
            fn()
        finally:
            p.coord.finish_once(name, period, p.worker)
        return True

    def tick() -> None:
        now = utcnow()
        changes: list = []
        once("tick", now, lambda: changes.extend(p.tick(now)))
        deliver_now_if(bool(changes))
        log_tick(len(changes), p.store.outlook(), now)

    def deliver() -> None:
        started = time.monotonic()
        log_delivery(p.deliver(utcnow(), stop=stop), time.monotonic() - started)

    jobs = (
        ("poll", poll, s.poll_check_seconds),
        ("tick", tick, 60),
        ("deliver", deliver, s.deliver_every_seconds),
    )
    for name, fn, every in jobs:
        scheduler.add_job(
            guard.guarded(name, fn),
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
                now = utcnow()
                deliver_now_if(once(f"digest:{name}", now, lambda: p.digest(name, now)))

            scheduler.add_job(
                guard.guarded(f"digest {c.name}", digest),
                cron.trigger(c.rules.schedule, ZoneInfo(c.rules.timezone)),
                id=f"digest:{c.name}",
                name=f"digest {c.name}",
                misfire_grace_time=3600,  # a digest missed while the machine slept still goes, once
            )

    def on_signal(signum, _frame):
        if stop.is_set():  # a second signal (Ctrl-C twice, a supervisor repeating itself): already stopping
            return
        log.info("received %s, stopping", signal.Signals(signum).name, extra={"signal": signal.Signals(signum).name})
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_lost() -> None:
        stop.set()
        scheduler.shutdown(wait=False)

    beat = threading.Thread(target=_heartbeat, args=(app, stop, lost, on_lost, coord), name="lease heartbeat", daemon=True)
    beat.start()
    if coord is not None:
        threading.Thread(target=_listen, args=(app, stop, lambda: deliver_now_if(True)), name="alert listener", daemon=True).start()
    log.info(
        "tracker started: %d feed(s), %d channel(s), database %s",
        len(s.feeds), len(s.channels), mask_db(s.database),
        extra={"feeds": len(s.feeds), "channels": len(s.channels)},
    )
    try:
        scheduler.start()  # blocks until shutdown
        # the jobs see `stop` and finish the item in hand: a poll writes the feeds already
        # fetched, a delivery marks the alert in flight (systemd waits TimeoutStopSec=30)
        left = guard.wait(STOP_WAIT_SECONDS)
        if left:
            log.warning("%d job(s) still running after %d s; exiting anyway", left, STOP_WAIT_SECONDS)
    finally:
        stop.set()
        p.close()  # the poller's digest processes
    log.info("tracker stopped")
    if lost.is_set():
        raise TrackerError("stopped: another process took over the daemon lease (this one did not renew it in time)")
