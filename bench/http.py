"""POST /api/transfers/ and logged-in pages through gunicorn on a loopback port, driven by a
concurrent load generator.

The server runs the production settings (DEBUG off, so no query log) against the bench database,
with gthread workers (sync workers close the connection after each response; gthread keeps it
alive, as a proxy in front would) and persistent database connections. The throttle of
sensitive writes is raised for the run and the cache is per process, so neither Redis nor the
real counters are touched. Requests carry `X-Forwarded-Proto: https`, as from the TLS proxy.

Two measures, for the transfers and for the pages alike: the highest rate (closed loop: every
connection sends its next request as soon as the previous answer arrives), then latency at half
that rate with an open-loop paced generator (each request has a scheduled time; its latency
counts from that time, so a stalled server cannot hide its queue: no coordinated omission). In
the closed loop every request waits for those of the other connections: its latency is about
connections / rate whatever the code does, so it says how much the machine serves, the paced
run how long a request takes on a busy but not saturated server.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

GENERATOR_PROCESSES = 2
TRANSFERS = "transfers"  # the one label of the transfers' tally


@dataclass
class HttpSpec:
    port: int
    token: str
    account_ids: list[int]
    seconds: float
    connections: int  # per generator process
    rate: float = 0.0  # open loop: requests/s over all processes; 0 = closed loop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn serving config.wsgi against the bench database (DATABASE_URL in the environment)."""

    def __init__(
        self,
        *,
        workers: int,
        threads: int,
        log_dir: Path,
        extra_env: dict[str, str] | None = None,
        app: str = "config.wsgi:application",
    ) -> None:
        self.port = free_port()
        self.log = log_dir / "ledger_bench-gunicorn.log"
        env = {
            **os.environ,
            "DEBUG": "false",
            # The bench's API token is bound to the key it was issued under (members.tokens).
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BOCAGE_THROTTLE_SENSITIVE": "1000000/second",
            "CACHE_URL": "locmem://",
            "CONN_MAX_AGE": "600",
            "AXES_ENABLED": "false",
            **(extra_env or {}),
        }
        log_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                f"--workers={workers}",
                "--worker-class=gthread",
                f"--threads={threads}",
                f"--bind=127.0.0.1:{self.port}",
                "--keep-alive=30",
                "--log-level=warning",
            ],
            cwd=str(settings.BASE_DIR),
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/units/", headers={"X-Forwarded-Proto": "https"})
                if conn.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _post(conn: http.client.HTTPConnection, spec: HttpSpec, rng: random.Random) -> int:
    payer, payee = rng.sample(spec.account_ids, 2)
    body = json.dumps({"from_account": payer, "to_account": payee, "amount": f"{rng.randint(1, 500) / 100:.2f}"})
    conn.request(
        "POST",
        "/api/transfers/",
        body=body,
        headers={
            "Authorization": f"Token {spec.token}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


class _Tally:
    """Latencies (seconds) and how many answers of each status, per label (a page; the transfers
    have one label): one sender's, then its process's."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[str, dict[int, int]] = {}

    def add(self, label: str, latency: float, status: int) -> None:
        self.latencies.setdefault(label, []).append(latency)
        by_status = self.statuses.setdefault(label, {})
        by_status[status] = by_status.get(status, 0) + 1

    def merge(self, other: _Tally) -> None:
        for label, values in other.latencies.items():
            self.latencies.setdefault(label, []).extend(values)
        for label, by_status in other.statuses.items():
            mine = self.statuses.setdefault(label, {})
            for status, count in by_status.items():
                mine[status] = mine.get(status, 0) + count


# sender(slot, started, deadline, tally): one thread's requests, each added to its own tally.
Sender = Callable[[int, float, float, _Tally], None]


def _run_senders(spec: Any, index: int, barrier: Any, results: Any, sender: Sender) -> None:
    """The body of generator process `index`: once every process is ready, `spec.connections`
    threads each run `sender` on their own slot and tally, merged when they are done; the
    process's report, (latencies per label, statuses per label, seconds), goes on `results`."""
    tally = _Tally()
    lock = threading.Lock()
    barrier.wait()
    started = time.monotonic()
    deadline = started + spec.seconds

    def run(slot: int) -> None:
        mine = _Tally()
        sender(slot, started, deadline, mine)
        with lock:
            tally.merge(mine)

    threads = [threading.Thread(target=run, args=(index * spec.connections + i,)) for i in range(spec.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((tally.latencies, tally.statuses, time.monotonic() - started))


def _due(rate: float, started: float, turn: int) -> float:
    """When request number `turn` of the run (all senders' requests interleaved) is due: now in a
    closed loop (rate 0), else at its place in the open loop's schedule."""
    return started + turn / rate if rate else time.monotonic()


def _wait_until(moment: float) -> None:
    pause = moment - time.monotonic()
    if pause > 0:
        time.sleep(pause)


def _generator(spec: HttpSpec, index: int, barrier: Any, results: Any) -> None:
    """One generator process: `spec.connections` threads, each with its own keep-alive connection."""
    total_threads = spec.connections * GENERATOR_PROCESSES

    def sender(slot: int, started: float, deadline: float, tally: _Tally) -> None:
        rng = random.Random(slot)
        conn = http.client.HTTPConnection("127.0.0.1", spec.port, timeout=30)
        sequence = 0
        while True:
            scheduled = _due(spec.rate, started, sequence * total_threads + slot)
            sequence += 1
            if scheduled >= deadline:
                break
            _wait_until(scheduled)
            try:
                status = _post(conn, spec, rng)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", spec.port, timeout=30)
                status = 0
            tally.add(TRANSFERS, time.monotonic() - scheduled, status)

    _run_senders(spec, index, barrier, results, sender)


def _generate(target: Any, spec: Any) -> list[Any]:
    """Run `target(spec, index, barrier, results)` in GENERATOR_PROCESSES forked processes that
    start together; their reports."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(GENERATOR_PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(spec, i, barrier, results), daemon=True)
        for i in range(GENERATOR_PROCESSES)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=spec.seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return reports


def _latencies(reports: list[Any], label: str) -> list[float]:
    """The latencies of `label` in every process's report, sorted."""
    return sorted(value for report in reports for value in report[0].get(label, []))


def _statuses(reports: list[Any], label: str) -> dict[str, int]:
    """How many answers of each status (as text) `label` had, over every process's report."""
    statuses: dict[str, int] = {}
    for report in reports:
        for status, count in report[1].get(label, {}).items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    return statuses


def _percentile(latencies: list[float], fraction: float) -> float | None:
    """Milliseconds, of sorted latencies in seconds; None if there are none."""
    if not latencies:
        return None
    return round(latencies[min(len(latencies) - 1, int(len(latencies) * fraction))] * 1000, 2)


def drive(spec: HttpSpec) -> dict[str, Any]:
    reports = _generate(_generator, spec)
    latencies = _latencies(reports, TRANSFERS)
    statuses = _statuses(reports, TRANSFERS)
    seconds = max(report[2] for report in reports)
    created = statuses.get("201", 0)
    return {
        "requests": len(latencies),
        "statuses": statuses,
        "seconds": round(seconds, 3),
        "per_second": round(created / seconds, 1) if seconds else 0.0,
        "p50_ms": _percentile(latencies, 0.50) or 0.0,
        "p99_ms": _percentile(latencies, 0.99) or 0.0,
        "target_rate": spec.rate or None,
        "connections": spec.connections * GENERATOR_PROCESSES,
    }


# --- pages: GET with a logged-in session -------------------------------------------------------


@dataclass
class PageSpec:
    port: int
    targets: list[tuple[str, str, str]]  # (label, path, session cookie header value)
    seconds: float
    connections: int  # per generator process
    rate: float = 0.0  # open loop: pages/s over all clients; 0 = closed loop


def _page_generator(spec: PageSpec, index: int, barrier: Any, results: Any) -> None:
    """`spec.connections` threads; each walks the pages in turn from its own starting point, as
    fast as answers come (closed loop) or at its share of `spec.rate`, each page's latency counted
    from its scheduled time (open loop, as the transfers' paced run)."""
    total_threads = spec.connections * GENERATOR_PROCESSES

    def sender(slot: int, started: float, deadline: float, tally: _Tally) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", spec.port, timeout=30)
        position = slot
        sequence = 0
        # The first client of the first process goes round every page at least once, however short the run.
        rounds = len(spec.targets) if slot == 0 else 1
        while True:
            scheduled = _due(spec.rate, started, sequence * total_threads + slot)
            sequence += 1
            if scheduled >= deadline and position - slot >= rounds:
                break
            _wait_until(scheduled)
            label, path, cookie = spec.targets[position % len(spec.targets)]
            position += 1
            try:
                conn.request(
                    "GET",
                    path,
                    headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "Accept-Language": "fr"},
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", spec.port, timeout=30)
                status = 0
            tally.add(label, time.monotonic() - scheduled, status)

    _run_senders(spec, index, barrier, results, sender)


def drive_pages(spec: PageSpec) -> dict[str, Any]:
    """`connections × 2` clients over the pages, closed loop or paced (`spec.rate`); p50/p99 per page
    (milliseconds)."""
    reports = _generate(_page_generator, spec)
    pages: dict[str, Any] = {}
    total = 0
    for label, _path, _cookie in spec.targets:
        latencies = _latencies(reports, label)
        total += len(latencies)
        pages[label] = {
            "requests": len(latencies),
            "statuses": _statuses(reports, label),
            "p50_ms": _percentile(latencies, 0.50),
            "p99_ms": _percentile(latencies, 0.99),
        }
    seconds = max(report[2] for report in reports)
    return {
        "clients": spec.connections * GENERATOR_PROCESSES,
        "seconds": round(seconds, 3),
        "requests": total,
        "per_second": round(total / seconds, 1) if seconds else 0.0,
        "target_rate": spec.rate or None,
        "pages": pages,
    }
