"""The demo's self-report portal: on-call clinicians, a few links sent, and a few patients
whose self-report raised an URGENT task (still open for the prescriber to resolve).

Due and overdue items need no data of their own: they follow from the demo courses' sessions.
Everything goes through the portal's services, like the rest of the demo. Idempotent: a site
that already has an on-call row keeps it, and a patient who already has a link gets no more.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kclinic.web.accounts.models import Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import Phase, TreatmentCourse
from kclinic.web.portal import answering, services
from kclinic.web.portal.models import SelfReportLink, SiteOnCall

BASE_URL = "http://127.0.0.1:8000"
ON_CALL = {"north": "prescriber", "south": "prescriber2"}
SENDERS = {"north": "nurse", "south": "nurse3"}
# (instruments, channel, what the patient does): kept small so the demo loads quickly.
PLAN: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("phq9", "gad7", "cssrs-screener", "urinary-symptoms"), "qr", "untouched"),
    (("phq9", "side-effects"), "sms", "untouched"),
    (("phq9", "gad7"), "qr", "started"),
    (("phq9", "urinary-symptoms", "side-effects"), "qr", "urgent"),
    (("phq9", "gad7"), "qr", "urgent-unsent"),
    (("phq9", "urinary-symptoms", "side-effects"), "qr", "calm"),
)
CALM = [1, 1, 0, 1, 0, 0, 1, 0, 0]
RISKY = [2, 2, 1, 2, 1, 1, 1, 0, 1]  # item 9 = 1: thoughts of being better off dead


def _now(today: date) -> datetime:
    if today == timezone.localdate():
        return timezone.now()
    return datetime.combine(today, time(12), tzinfo=timezone.get_current_timezone())


def load_portal(today: date, sites: dict[str, Site], users: dict[str, User]) -> int:
    """Load the portal demo data; returns how many links it sent (0 on a second run)."""
    now = _now(today)
    for code, username in ON_CALL.items():
        if code not in sites or username not in users:
            continue
        if not SiteOnCall.objects.filter(site=sites[code]).exists():
            SiteOnCall.objects.create(
                site=sites[code], clinician=users[username], starts_at=now - timedelta(days=30)
            )
    courses = list(
        TreatmentCourse.objects.filter(patient__site__in=sites.values())
        .exclude(phase=Phase.ENDED)
        .select_related("patient__site")
        .order_by("patient__mrn")
    )
    patients = [c.patient for c in courses]
    if SelfReportLink.objects.filter(patient__in=patients).exists():
        return 0
    sent = 0
    for (instruments, channel, outcome), patient in zip(PLAN, patients, strict=False):
        sender = users[SENDERS[patient.site.code]]
        issued = services.create_link(
            Actor(sender),
            patient,
            instruments=instruments,
            channel=channel,
            base_url=services.base_url_for(BASE_URL),
            now=now - timedelta(hours=6),
        )
        sent += 1
        _respond(issued, instruments, outcome)
    return sent


def _respond(issued: services.Issued, instruments: tuple[str, ...], outcome: str) -> None:
    if outcome == "untouched":
        return
    phq9 = RISKY if outcome.startswith("urgent") else CALM
    answers: dict[str, dict[str, object]] = {
        "phq9": {str(n): v for n, v in enumerate(phq9, start=1)},
        "gad7": {str(n): 1 for n in range(1, 8)},
        "urinary-symptoms": {
            "frequency": 1 if outcome == "urgent" else 0,
            "urgency": 0,
            "dysuria": 0,
            "haematuria": 0,
            "suprapubic_pain": 0,
        },
        "side-effects": {"text": "Felt light-headed for an hour after the infusion."},
    }
    wanted = instruments if outcome != "started" else instruments[:1]
    for section in wanted:
        answering.save_progress(issued.token, section, answers[section])
    if outcome in ("urgent", "calm"):
        answering.submit(issued.token)
