"""Clinic outcomes dashboard speed (issue 6): 20,000 patients, 200,000 sessions and 1,000,000
assessments on PostgreSQL; target: the dashboard in under 1 s.

Builds the clinic network in a scratch database, kclinic_bench_outcomes, on the server of
KCLINIC_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres), with the
application's migrations, loads it with COPY (a minute or two), and drops it afterwards
(--keep leaves it; --reuse measures a kept one without rebuilding). Then it times the
dashboard exactly as the page computes it (`kclinic.web.reports.dashboard.build`: the cohort
counts, response and remission per instrument and definition, adverse events per 100
sessions), for the whole network and with filters:

  cold  the first run on a new database connection (PostgreSQL's plan cache and this
        process's caches empty; the operating system's file cache cannot be dropped here);
  warm  the best of --repeat further runs.

The data: 4 sites; one course per patient (IV racemic ketamine or esketamine, four
indications, starts spread over 3 years); 10 sessions per course on average, most completed,
with drop-outs and courses still in induction; a chair-side record for every completed
session with its pre-dose vital signs, some raised blood pressure and side effects; 50
assessments per course on average (PHQ-9 before sessions, GAD-7, QIDS-SR16, MADRS, PCL-5),
with baselines, post-induction scores drawn so about half respond, and some corrections.
Prints the figures and the ratio to the 1 s target; never fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SCRATCH_DB = "kclinic_bench_outcomes"
PATIENTS = 20_000
SESSIONS = 200_000
ASSESSMENTS = 1_000_000
SITES = ("b1", "b2", "b3", "b4")
TARGET_S = 1.0
SEED = 6


def admin_url() -> str:
    return os.environ.get("KCLINIC_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES


def scratch_url() -> str:
    return urlsplit(admin_url())._replace(path=f"/{SCRATCH_DB}").geturl()


def create_scratch() -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True, connect_timeout=5) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH_DB}")


def drop_scratch() -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def setup_django() -> None:
    os.environ.update(
        {
            "KCLINIC_MODE": "test",
            "DATABASE_URL": scratch_url(),
            "DJANGO_SETTINGS_MODULE": "kclinic.web.settings",
            "KCLINIC_HOME": os.environ.get("KCLINIC_HOME", str(ROOT)),
        }
    )
    import django

    django.setup()


# -- the data -----------------------------------------------------------------------------


class Table:
    """Rows for one model, in its concrete fields' column order (defaults fill the rest)."""

    def __init__(self, model: Any, **defaults: Any) -> None:
        self.model = model
        self.columns = [f.column for f in model._meta.concrete_fields]
        self.attnames = [f.attname for f in model._meta.concrete_fields]
        self.defaults = defaults
        self.rows: list[tuple[Any, ...]] = []
        self.next_id = 1

    def add(self, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        values.setdefault("id", pk)
        if "public_id" in self.attnames:
            values.setdefault("public_id", uuid.UUID(int=random.getrandbits(128), version=4))
        merged = {**self.defaults, **values}
        self.rows.append(tuple(merged.get(name) for name in self.attnames))
        return pk

    def copy(self, cursor: Any) -> None:
        import json

        columns = ", ".join(f'"{c}"' for c in self.columns)
        table = self.model._meta.db_table
        with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in row])
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
        )
        self.rows.clear()


def _split(total: int, parts: int, rng: random.Random, low: int, high: int) -> list[int]:
    """`parts` counts in [low, high] that add up to `total` exactly."""
    counts = [rng.randint(low, high) for _ in range(parts)]
    diff = total - sum(counts)
    step = 1 if diff > 0 else -1
    i = 0
    while diff:
        j = i % parts
        if low <= counts[j] + step <= high:
            counts[j] += step
            diff -= step
        i += 1
    return counts


def build(today: date) -> dict[str, int]:
    from django.db import connection

    from kclinic.web.accounts.models import Clinic, Role, Site, User
    from kclinic.web.assessments.models import Assessment
    from kclinic.web.courses.models import CoursePlan, PlannedSession, TreatmentCourse
    from kclinic.web.infusions.models import ClinicalEvent, InfusionSession, VitalSet
    from kclinic.web.patients.models import Patient

    rng = random.Random(SEED)
    random.seed(SEED)
    clinic = Clinic.objects.create(name="Bench network")
    sites = [Site.objects.create(clinic=clinic, name=f"Site {c}", code=c) for c in SITES]
    prescriber = User.objects.create_user("bench_prescriber", role=Role.PRESCRIBER)
    prescriber.sites.set(sites)
    staff = prescriber.pk
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC)

    patients = Table(Patient, clinic_id=clinic.pk, sex="female", phone="", email="",
                     address="", escort_name="", escort_phone="", created_at=now,
                     created_by_id=staff, version=1)  # fmt: skip
    courses = Table(TreatmentCourse, indication_text="Depression", protocol_version="bench",
                    end_reason="", created_at=now, created_by_id=staff, version=1)  # fmt: skip
    plans = Table(CoursePlan, protocol_version="bench", weekdays="mon,thu", pace="",
                  created_at=now, created_by_id=staff)  # fmt: skip
    sessions = Table(PlannedSession, override_reason="", override_findings=[],
                     cancel_reason="", created_at=now, created_by_id=staff)  # fmt: skip
    chair = Table(InfusionSession, protocol_version="bench", version=1, state="discharged")
    vitals = Table(VitalSet, phase="pre_dose", symptoms=[], source="manual", device_id="",
                   alerts=[], recorded_by_id=staff)  # fmt: skip
    events = Table(ClinicalEvent, medication="", dose="", route="", serious=False,
                   seriousness=[], outcome="", recorded_by_id=staff)  # fmt: skip
    scores = Table(Assessment, instrument_version="bench", band_table="", options={},
                   answers={}, band="", complete=True, flags=[], subscales={}, criteria={},
                   respondent="patient", administered_by_id=staff, entered_by_id=staff,
                   correction_reason="")  # fmt: skip

    per_course_sessions = _split(SESSIONS, PATIENTS, rng, 1, 19)
    per_course_scores = _split(ASSESSMENTS, PATIENTS, rng, 20, 80)
    maxima = {"phq9": 27, "gad7": 21, "qids-sr16": 27, "madrs": 60, "pcl5": 80}
    instruments = ("phq9", "gad7", "qids-sr16", "madrs", "pcl5")
    weights = (0.4, 0.25, 0.2, 0.1, 0.05)
    for n in range(PATIENTS):
        site = sites[n % len(sites)]
        patient = patients.add(
            site_id=site.pk,
            mrn=f"B{n:06d}",
            given_name="Bench",
            family_name=f"Patient{n}",
            date_of_birth=date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
        )
        esketamine = rng.random() < 0.2
        start = today - timedelta(days=rng.randint(30, 3 * 365))
        count = per_course_sessions[n]
        k = 6
        ended = count < k and rng.random() < 0.6 and (today - start).days > 60
        phase = "ended" if ended else "maintenance" if count > 8 else "induction"
        course = courses.add(
            patient_id=patient,
            indication_code=rng.choice(("F33.2", "F33.1", "F32.2", "F31.4")),
            modality="esketamine" if esketamine else "iv-racemic",
            template_id="esketamine-trd" if esketamine else "iv-2-a-week-3-weeks",
            phase=phase,
            started_on=start,
            ended_on=start + timedelta(days=30) if ended else None,
            end_reason="Stopped" if ended else "",
        )
        plan = plans.add(course_id=course, template_id="iv-2-a-week-3-weeks", start_on=start)
        first = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        times = []
        for s in range(count):
            when = first + timedelta(days=3 * s + (s // 6) * 4)
            done = when.date() < today
            pk = sessions.add(
                course_id=course,
                plan_id=plan,
                sequence=s + 1,
                scheduled_at=when,
                status="completed" if done else "scheduled",
                completed_at=when + timedelta(hours=3) if done else None,
                completed_by_id=staff if done else None,
            )
            if not done:
                continue
            times.append(when)
            infusion = chair.add(
                planned_id=pk,
                patient_id=patient,
                site_id=site.pk,
                modality="esketamine" if esketamine else "iv-racemic",
                created_at=when,
            )
            raised = rng.random() < 0.03
            vitals.add(
                session_id=infusion,
                taken_at=when,
                systolic=186 if raised else rng.randint(110, 145),
                diastolic=112 if raised else rng.randint(65, 92),
                heart_rate=rng.randint(60, 95),
                spo2=98,
                level="pause" if raised else "",
                recorded_at=when,
            )
            if rng.random() < 0.12:
                text = rng.choice(("Dissociation", "Nausea", "Headache", "Vomited once"))
                events.add(
                    session_id=infusion,
                    kind="side_effect",
                    at=when + timedelta(minutes=30),
                    description=text,
                    recorded_at=when + timedelta(minutes=31),
                )
        # Scores: a baseline of each instrument before the first session, one before each
        # session, the rest after; the course's outcome decides where the scores end up.
        outcome = rng.random()
        base_time = first - timedelta(days=rng.randint(0, 20), hours=1)
        budget = per_course_scores[n]
        baselines = {}
        for i, instrument in enumerate(instruments[:3]):
            top = maxima[instrument]
            baselines[instrument] = rng.randint(top // 2, top * 8 // 9)
            scores.add(patient_id=patient, instrument_id=instrument,
                       total=baselines[instrument], context="baseline",
                       administered_at=base_time + timedelta(minutes=i),
                       entered_at=base_time)  # fmt: skip
        for j in range(budget - 3):
            instrument = rng.choices(instruments, weights)[0]
            top = maxima[instrument]
            baseline = baselines.get(instrument, top // 2)
            final = baseline * (0.25 if outcome < 0.3 else 0.45 if outcome < 0.55 else 0.8)
            at = first + timedelta(days=j * 400 / budget, hours=j % 5)
            progress = min(1.0, (at - first).days / 21)
            total = round(baseline - (baseline - final) * progress + rng.gauss(0, 1.5))
            scores.add(patient_id=patient, instrument_id=instrument,
                       total=max(0, min(top, total)),
                       context="pre-session" if j < len(times) else "follow-up",
                       administered_at=at, entered_at=at)  # fmt: skip
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in (patients, courses, plans, sessions, chair, vitals, events, scores):
            table.copy(raw)
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
    return {
        "patients": Patient.objects.count(),
        "courses": TreatmentCourse.objects.count(),
        "sessions": PlannedSession.objects.count(),
        "assessments": Assessment.objects.count(),
        "vital sets": VitalSet.objects.count(),
        "side effects": ClinicalEvent.objects.count(),
    }


# -- timing -------------------------------------------------------------------------------


def timed(user: Any, filters: dict[str, Any], repeat: int) -> tuple[float, float, Any]:
    from django.db import connection

    from kclinic.web.reports import dashboard as board

    connection.close()  # a new connection: PostgreSQL's caches for this session are empty
    started = time.perf_counter()
    found = board.build(board.resolve_filters(user, **filters))
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        board.build(board.resolve_filters(user, **filters))
        warm.append(time.perf_counter() - started)
    return cold, min(warm), found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database")
    args = parser.parse_args(argv)
    try:
        if not args.reuse:
            create_scratch()
    except Exception as error:
        if os.environ.get("KCLINIC_BENCH_POSTGRES_URL"):
            raise
        print(f"PostgreSQL: not measured ({admin_url()} unreachable: {error})")
        return 0
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        from kclinic.web.accounts.models import User

        today = date(2026, 6, 1)
        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            migrated = time.perf_counter() - started
            started = time.perf_counter()
            counts = build(today)
            print(f"Built in {time.perf_counter() - started:.0f} s (migrations {migrated:.0f} s):")
            print("  " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        user = User.objects.get(username="bench_prescriber")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(",")[0]
        print(f"\nOutcomes dashboard on {version}, {os.cpu_count()} CPUs; target {TARGET_S} s")
        print(f"| selection | cold | warm (best of {args.repeat}) | warm / target |")
        print("|---|---|---|---|")
        site = user.sites.order_by("code").first()
        cases: Iterator[tuple[str, dict[str, Any]]] = iter(
            [
                ("whole network (4 sites)", {}),
                ("one site", {"site": site.public_id}),
                ("IV racemic, F33, 2025", {"route": "iv-racemic", "indication": "F33",
                                           "date_from": date(2025, 1, 1),
                                           "date_to": date(2025, 12, 31)}),
            ]
        )  # fmt: skip
        summary = None
        for label, filters in cases:
            cold, warm, found = timed(user, filters, args.repeat)
            summary = summary or found
            print(
                f"| {label} | {cold * 1000:.0f} ms | {warm * 1000:.0f} ms | {warm / TARGET_S:.2f} |"
            )
        if summary is not None:
            c = summary.counts
            phq9 = next(r for r in summary.outcomes if r.definition.id == "phq9-mcinnes-2022")
            print(
                f"\nSanity: {c.courses:,} courses, {c.courses_inducted:,} inducted, "
                f"{c.dropped_out:,} dropped out, {c.sessions:,} completed sessions; PHQ-9 "
                f"response {phq9.response.percent}% of {phq9.pairs:,}"
            )
        connection.close()
    finally:
        if not args.keep:
            drop_scratch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
