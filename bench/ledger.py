"""Ledger write throughput (issue 5): dispenses per second at 1, 8 and 32 concurrent writers.

Each operation is one 50 mg dispense from a safe to its own session account, posted through
`kclinic.web.inventory.services.post_entry` in its own transaction with the real row locks
(BEGIN IMMEDIATE on SQLite; SELECT ... FOR UPDATE on the balance rows, the site's chain head
and the audit chain head on PostgreSQL), validated against the lot's history and appended to
the site's hash chain and the audit trail. Two cases:

  same lot        every writer dispenses from one lot (they contend for its balance row);
  lot per writer  each writer has its own lot (no shared balance row; the site's chain head
                  and the audit head are still shared, so writes still queue at the end).

Writers are processes, each with its own database connection, forked after Django is set up,
released together by a barrier. Processes, not threads: post_entry is mostly Python (the ORM
and the domain check), so threads would measure the GIL rather than the database; a web
deployment runs several worker processes. (`--threads` runs threads instead, to compare.)
Every run posts the same number of dispenses (--ops, split evenly) into fresh lots, because
the cost of a post grows with its lot's history (post_entry replays it); two control rows,
one writer taking 8 or 32 lots in turn, have the short histories of the 8 and 32 writers
with a lot each but no concurrency. Each case runs --repeat times, interleaved with the
others, and keeps its best run (the worst rate is shown too: the machine may be shared).

SQLite: a temporary file database with the app's settings (WAL, synchronous=NORMAL, busy
timeout 5 s, immediate transactions). PostgreSQL: a scratch database kclinic_bench_ledger
created on the server of KCLINIC_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards; if that server cannot be
reached the PostgreSQL rows are left out with a notice (an error when the variable is set).
A write refused with "database is locked" or a deadlock is retried with the same idempotency
key (so it is applied once) and counted. After every run: `verify_ledger` passes, each lot's
balance equals its stock minus 50 mg per successful dispense, no balance is negative and the
ledger holds exactly that many dispenses. Prints the figures, the writers' own CPU time per
dispense (on PostgreSQL the server's share is not in it) and the 8/1 and 32/1 ratios; fails
only when a check fails, never on time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WRITERS = (1, 8, 32)
CASES = ("same lot", "lot per writer")  # plus "<n> lots in turn", one writer (controls)
OPS = 192  # dispenses per run: 192 x 1, 24 x 8, 6 x 32
REPEAT = 2  # runs per case; the best is reported
DOSE_MG = "50"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SCRATCH_DB = "kclinic_bench_ledger"
RETRIES = 5


# --- parent: one child process per database, then the table ---------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=OPS, help=f"dispenses per run ({OPS})")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per case, best kept")
    parser.add_argument("--threads", action="store_true", help="writers are threads")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a database URL
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.ops, args.threads, args.repeat)))
        return 0
    rows: list[dict[str, Any]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="kclinic-bench-ledger-") as home:
        sqlite_url = f"sqlite:///{Path(home) / 'ledger.sqlite3'}"
        ok, found = run_child("SQLite", sqlite_url, home, args)
        rows += found
        failed |= not ok
        postgres = postgres_scratch()
        if postgres is not None:
            try:
                ok, found = run_child("PostgreSQL", postgres.url, home, args)
                rows += found
                failed |= not ok
            finally:
                postgres.drop()
    report(rows, args)
    if any(row["problems"] for row in rows):
        failed = True
    return 1 if failed else 0


def run_child(label: str, url: str, home: str, args: argparse.Namespace):
    env = {
        **os.environ,
        "KCLINIC_MODE": "test",
        "KCLINIC_HOME": home,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "kclinic.web.settings",
    }
    command = [sys.executable, __file__, "--child", url, "--ops", str(args.ops)]
    command += ["--repeat", str(args.repeat)]
    if args.threads:
        command.append("--threads")
    print(f"{label}: measuring ...", flush=True)
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: the benchmark failed\n{done.stderr[-4000:]}", file=sys.stderr)
        return False, []
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    for row in rows:
        row["db"] = label
    return True, rows


class Scratch:
    def __init__(self, admin_url: str, url: str) -> None:
        self.admin_url, self.url = admin_url, url

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def postgres_scratch() -> Scratch | None:
    """Create the scratch database on the configured server (None, with a notice, if the
    default server is unreachable; an explicitly configured one must work)."""
    import psycopg

    configured = os.environ.get("KCLINIC_BENCH_POSTGRES_URL")
    admin_url = configured or DEFAULT_POSTGRES
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {SCRATCH_DB}")
    except psycopg.Error as error:
        print(f"PostgreSQL: not measured ({admin_url} unreachable: {error})", file=sys.stderr)
        if configured:
            raise SystemExit(1) from None
        return None
    url = urlsplit(admin_url)._replace(path=f"/{SCRATCH_DB}").geturl()
    return Scratch(admin_url, url)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    kind = "threads" if args.threads else "processes"
    print(
        f"\nLedger writes: {args.ops} dispenses per run through post_entry, best of "
        f"{args.repeat} runs; writers are {kind}"
    )
    header = ("writers", "db", "case", "ops", "refused", "retries", "seconds", "ops/s")
    header += ("worst ops/s", "CPU ms/op")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print(
            f"| {row['writers']} | {row['db']} | {row['case']} | {row['ops']} | "
            f"{row['refused']} | {row['retries']} | {row['seconds']:.2f} | "
            f"{row['ops_per_s']:.0f} | {row['worst_ops_per_s']:.0f} | "
            f"{row['cpu_ms_per_op']:.1f} |"
        )
    print("\nScaling (ops/s of n writers / ops/s of 1 writer):")
    for db in dict.fromkeys(row["db"] for row in rows):
        rate = {(r["case"], r["writers"]): r["ops_per_s"] for r in rows if r["db"] == db}
        for case in CASES:
            base = rate.get((case, 1)) or 0.0
            line = f"  {db:<10} {case:<15}"
            for n in WRITERS[1:]:
                line += f"  {n} vs 1: {rate.get((case, n), 0.0) / base:.2f}" if base else ""
            print(line)
        line = f"  {db:<10} {'lot per writer':<15}"
        for n in WRITERS[1:]:
            control = rate.get((f"{n} lots in turn", 1))
            if control:
                ratio = rate.get(("lot per writer", n), 0.0) / control
                line += f"  {n} vs 1 over {n} lots: {ratio:.2f}"
        print(line + "  (same lot histories)")
    problems = [
        (row["db"], row["case"], row["writers"], p) for row in rows for p in row["problems"]
    ]
    for db, case, writers, problem in problems:
        print(f"CHECK FAILED: {db} {case} {writers} writers: {problem}", file=sys.stderr)
    if not problems:
        print("Checks: verify_ledger passed and every balance = stock - successful dispenses.")


# --- child: one database -----------------------------------------------------------------------


def measure(url: str, ops: int, threads: bool, repeat: int) -> list[dict[str, Any]]:
    """Every configuration `repeat` times, interleaved so that a noisy moment on a shared
    machine hits different configurations; each keeps its best run (and its worst rate)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    site, nurse_ids = organisation(max(WRITERS))
    configs = [(w, case, 1 if case == "same lot" else w) for w in WRITERS for case in CASES]
    # Controls: one writer taking 8 or 32 lots in turn has the short lot histories of the
    # 8 or 32 writers with a lot each, without their concurrency.
    configs += [(1, f"{n} lots in turn", n) for n in WRITERS[1:]]
    runs: dict[tuple, list[dict[str, Any]]] = {config: [] for config in configs}
    for attempt in range(repeat):
        for writers, case, lots in configs:
            run = one_run(site, nurse_ids[:writers], case, ops, threads, lots, attempt)
            runs[writers, case, lots].append(run)
    rows = []
    for done in runs.values():
        best = max(done, key=lambda run: run["ops_per_s"])
        best["worst_ops_per_s"] = min(run["ops_per_s"] for run in done)
        best["problems"] = [p for run in done for p in run["problems"]]
        rows.append(best)
    return rows


def organisation(count: int):
    from kclinic.web.accounts.models import Clinic, Role, Site, User
    from kclinic.web.inventory.services import add_location

    clinic = Clinic.objects.create(name="Ledger bench clinic")
    site = Site.objects.create(clinic=clinic, name="Bench", code="bench")
    ids = []
    for n in range(count):
        user = User(username=f"bench-nurse-{n}", role=Role.NURSE)
        user.set_unusable_password()
        user.save()
        user.sites.set([site])
        ids.append(user.pk)
    add_location(User.objects.get(pk=ids[0]), site, "Safe A")
    return site, ids


def one_run(
    site, nurse_ids: list[int], case: str, ops: int, threads: bool, lot_count: int, attempt: int
) -> dict[str, Any]:
    """`case` with len(nurse_ids) writers over `lot_count` fresh lots: writer i uses lot i
    (or the only lot); a single writer with several lots takes them in turn."""
    from decimal import Decimal

    from django.db import connections

    from kclinic.web.accounts.models import User
    from kclinic.web.inventory.models import Balance, LedgerEntry
    from kclinic.web.inventory.selectors import verify_ledger

    writers = len(nurse_ids)
    per_writer = ops // writers
    tag = f"r{attempt}-w{writers}-{case.split()[0]}-{lot_count}"
    lots = [f"{tag}-L{i}" for i in range(lot_count)]
    # Stock for every planned dispense and 10 more, so nothing is refused for lack of stock.
    stock_mg = {lot: Decimal(DOSE_MG) * (per_writer * writers // lot_count + 10) for lot in lots}
    first = User.objects.get(pk=nurse_ids[0])
    for lot, mg in stock_mg.items():
        receive(first, site.code, lot, mg)
    jobs = [
        (
            nurse_ids[i],
            site.code,
            tuple(lots) if writers == 1 else (lots[i % lot_count],),
            f"{tag}-{i}",
            per_writer,
        )
        for i in range(writers)
    ]
    settle()
    connections.close_all()  # every writer opens its own connection
    started, outcomes = run_writers(jobs, threads)
    seconds = max(o["ended"] for o in outcomes) - started
    posted = sum(sum(o["posted"].values()) for o in outcomes)
    refused = sum(o["refused"] for o in outcomes)
    problems = [e for o in outcomes for e in o["errors"]]
    _, broken = verify_ledger()
    if broken is not None:
        problems.append(f"verify_ledger: site {broken.site} seq {broken.seq}: {broken.reason}")
    per_lot = dict.fromkeys(lots, 0)
    for outcome in outcomes:
        for lot, done in outcome["posted"].items():
            per_lot[lot] += done
    for lot, done in per_lot.items():
        account = f"loc:{site.code}/Safe A"
        balance = Balance.objects.get(account=account, lot__lot_number=lot)
        expected = stock_mg[lot] - Decimal(DOSE_MG) * done
        if balance.mg != expected:
            problems.append(f"lot {lot}: balance {balance.mg} mg, expected {expected} mg")
        rows = LedgerEntry.objects.filter(kind="dispense", lot__lot_number=lot).count()
        if rows != done:
            problems.append(f"lot {lot}: {rows} dispense rows for {done} successful dispenses")
    if Balance.objects.filter(mg__lt=0).exists() or Balance.objects.filter(units__lt=0).exists():
        problems.append("a negative balance")
    return {
        "writers": writers,
        "case": case,
        "ops": posted,
        "refused": refused,
        "retries": sum(o["retries"] for o in outcomes),
        "seconds": seconds,
        "ops_per_s": posted / seconds if seconds > 0 else 0.0,
        "cpu_ms_per_op": 1000 * sum(o["cpu"] for o in outcomes) / max(posted, 1),
        "problems": problems,
    }


def settle() -> None:
    """Start every run from the same state: the write-ahead log checkpointed and, on
    PostgreSQL, dead row versions of the previous run vacuumed (the chain heads are updated
    on every post) so no run pays for the one before."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")  # needs a superuser (or pg_checkpoint) role
        except Exception as error:  # the run is still valid, only noisier
            print(f"no CHECKPOINT before the run: {error}", file=sys.stderr)


def receive(user, site_code: str, lot_number: str, mg) -> None:
    from datetime import UTC, datetime, timedelta

    from kclinic.domain import ledger_model as dm
    from kclinic.web.inventory.services import person_for, post_entry

    now = datetime.now(UTC)
    entry = dm.Entry(
        idempotency_key=f"bench-receipt-{lot_number}",
        kind=dm.EntryKind.RECEIPT,
        at=now - timedelta(seconds=1),
        site_id=site_code,
        lot=bench_lot(lot_number),
        source=dm.supplier_account("Bench Supply"),
        destination=f"loc:{site_code}/Safe A",
        quantity_mg=mg,
        quantity_units=dm.units_for_mg(VIAL, mg),
        actor=person_for(user),
        counterparty="Bench Supply",
        reference=f"INV-{lot_number}",
    )
    post_entry(user, entry, now)


def bench_lot(lot_number: str):
    from datetime import date

    from kclinic.domain import ledger_model as dm

    return dm.Lot(VIAL, lot_number, date(2099, 12, 31))


def run_writers(jobs: list[tuple], threads: bool) -> tuple[float, list[dict[str, Any]]]:
    """Start one writer per job, release them together; (release time, their outcomes)."""
    if threads:
        barrier: Any = threading.Barrier(len(jobs) + 1)
        outcomes: list[dict[str, Any]] = [{} for _ in jobs]

        def work(index: int) -> None:
            outcomes[index] = writer(jobs[index], barrier)

        pool = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
        for thread in pool:
            thread.start()
        barrier.wait()
        started = time.monotonic()
        for thread in pool:
            thread.join()
        return started, outcomes
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(jobs) + 1)
    queue = context.Queue()
    processes = [
        context.Process(target=_process_writer, args=(i, job, barrier, queue))
        for i, job in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.monotonic()
    results = dict(queue.get() for _ in processes)
    for process in processes:
        process.join()
    return started, [results[i] for i in range(len(jobs))]


def _process_writer(index: int, job: tuple, barrier: Any, queue: Any) -> None:
    queue.put((index, writer(job, barrier)))


def writer(job: tuple, barrier: Any) -> dict[str, Any]:
    """Post `count` dispenses, one transaction each, taking the lots in turn; count those
    posted (per lot), refused and retried."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.db import OperationalError, connection

    from kclinic.domain import ledger_model as dm
    from kclinic.domain.errors import ValidationError
    from kclinic.web.accounts.models import User
    from kclinic.web.inventory.services import person_for, post_entry

    user_id, site_code, lot_numbers, prefix, count = job
    user = User.objects.get(pk=user_id)  # opens this writer's connection before the start
    lots = [bench_lot(number) for number in lot_numbers]
    posted = dict.fromkeys(lot_numbers, 0)
    outcome: dict[str, Any] = {"posted": posted, "refused": 0, "retries": 0, "errors": []}
    cpu = (
        time.thread_time
        if threading.current_thread() is not threading.main_thread()
        else time.process_time
    )
    cpu_started = cpu()  # waiting at the barrier takes no CPU
    try:
        barrier.wait()
        for n in range(count):
            now = datetime.now(UTC)
            lot = lots[n % len(lots)]
            entry = dm.Entry(
                idempotency_key=f"bench-{prefix}-{n}",
                kind=dm.EntryKind.DISPENSE,
                at=now,
                site_id=site_code,
                lot=lot,
                source=f"loc:{site_code}/Safe A",
                destination=dm.session_account(f"{prefix}-{n}"),
                quantity_mg=Decimal(DOSE_MG),
                quantity_units=dm.units_for_mg(VIAL, Decimal(DOSE_MG)),
                actor=person_for(user),
                reference=f"order-{prefix}-{n}",
            )
            for attempt in range(RETRIES + 1):
                try:
                    post_entry(user, entry, now)
                    posted[lot.lot_number] += 1
                    break
                except ValidationError:
                    outcome["refused"] += 1
                    break
                except OperationalError as error:  # locked (SQLite) or deadlock (PostgreSQL)
                    if attempt == RETRIES:
                        outcome["errors"].append(f"{entry.idempotency_key}: {error}")
                    else:
                        outcome["retries"] += 1
    except Exception as error:  # reported as a failed check, never hidden
        outcome["errors"].append(f"{type(error).__name__}: {error}")
    finally:
        outcome["ended"] = time.monotonic()
        outcome["cpu"] = cpu() - cpu_started
        connection.close()
    return outcome


def _vial():
    from decimal import Decimal

    from kclinic.domain import ledger_model as dm

    return dm.ketamine_vial("00000-0510", Decimal(50), Decimal(10))  # 500 mg per vial


VIAL = _vial()

if __name__ == "__main__":
    sys.exit(main())
