"""How far each demo session has got, as a script of chair-side steps (chairside.Visit).

Minutes count from the start of dosing (the pump start, or the first esketamine device):
arrival 45 min before, the checklist, the order 25 min before and the double check 20 min
before; an IV infusion runs 40 min, esketamine devices go in 5 min apart; vitals every 10 min
while dosing and every 15 min in recovery; discharge 65 min after an infusion ends, or 125 min
after the first device (the REMS asks for at least 2 hours). A story stops at the state it
names, and `Script.run` leaves out whatever lies after now.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from kclinic.domain.session_states import State
from kclinic.web.accounts.models import Chair, Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.demo.chairside import CSSRS_HIGH, CSSRS_NONE, DEVICE_GAP, Script, Visit
from kclinic.web.infusions import services_events as events
from kclinic.web.infusions import services_rems as rems
from kclinic.web.infusions.models import InfusionSession, RemsForm
from kclinic.web.infusions.services_discharge import start_recovery
from kclinic.web.inventory.models import LedgerEntry

log = logging.getLogger(__name__)

# The step the states come in; a story runs the steps up to its own.
ORDER = (
    State.CHECKED_IN,
    State.PRECHECKS_DONE,
    State.DOSE_VERIFIED,
    State.INFUSING,
    State.INFUSION_ENDED,
    State.RECOVERY,
    State.DISCHARGED,
)
REACHES = {
    State.CANCELLED: State.CHECKED_IN,
    State.PAUSED: State.INFUSING,
    State.ABORTED: State.INFUSING,
} | {state: state for state in ORDER}
IV_END = 40
RECOVERY_VITALS = (15, 30, 45, 60, 75, 90, 105)  # minutes after dosing ended
NO_ESCORT = "No escort or driver for the journey home today; rebooked for next week."
ABORT_REASON = (
    "Severe hypertension during the infusion (BP at or above the 200/120 stop threshold); "
    "infusion stopped, prescriber at the chair."
)
# What the monitoring HCP fills on the REMS form (fictional practice details).
REMS_SETTING = {
    "north": ("Riverside Ketamine Clinic North", "12 River Road", "Springfield", "IL", "62701"),
    "south": ("Riverside Ketamine Clinic South", "480 Harbor Street", "Springfield", "IL", "62704"),
}


@dataclass(frozen=True)
class Story:
    """Where one session stops (`until`) and what happens in it."""

    until: State
    chair: Chair | None = None
    vial_mg_per_ml: Decimal = Decimal(50)
    devices: int = 2
    alarm: str = ""  # "" | "spo2" (left open) | "bp-recheck" (acknowledged)
    cssrs_high: bool = False
    nausea: bool = False
    sign: bool = False
    rems: bool = False


def reached(story: Story, state: State) -> bool:
    return ORDER.index(REACHES[story.until]) >= ORDER.index(state)


def script(visit: Visit, story: Story, phq9: Callable[[datetime], Any]) -> Script:
    s = Script()
    cssrs = CSSRS_HIGH if story.cssrs_high else CSSRS_NONE
    s.at(-45, lambda at: visit.arrive(at, story.chair))
    s.at(-40, lambda at: visit.screen(at, cssrs=cssrs, phq9=phq9))
    s.at(-38, lambda at: visit.checklist(at, escort=story.until != State.CANCELLED))
    if story.until == State.CANCELLED:
        s.at(-30, lambda at: visit.cancel(at, NO_ESCORT))
        return s
    if not reached(story, State.PRECHECKS_DONE):
        return s
    if story.cssrs_high:
        s.at(-34, visit.review_cssrs)
    s.at(-30, visit.complete)
    s.at(-29, visit.scale("cadss", visit.cadss(visit.rng.randint(0, 2)), "pre-dose"))
    if not reached(story, State.DOSE_VERIFIED):
        return s
    s.at(-25, lambda at: visit.order_dose(at, story.vial_mg_per_ml, story.devices))
    s.at(-20, visit.verify)
    s.at(-18, visit.dispense)
    if not reached(story, State.INFUSING):
        return s
    s.at(0, visit.pump("start"))
    if story.until == State.ABORTED:
        _aborted(s, visit)
    elif visit.esketamine:
        _esketamine(s, visit, story)
    else:
        _iv(s, visit, story)
    return s


def _alarms(s: Script, visit: Visit, story: Story) -> None:
    if story.alarm == "spo2":  # the nurse has not acknowledged it yet
        s.at(20, lambda at: visit.vitals(at, 8, spo2_pct=93, rr_per_min=11))
    elif story.alarm == "bp-recheck":
        s.at(20, lambda at: visit.vitals(at, 0, sbp_mmhg=184, dbp_mmhg=104, hr_bpm=96))
        note = "Patient anxious; coached breathing, lights dimmed; recheck in 5 min."
        s.at(21, lambda at: visit.alarm_ack(at, "observed", note))
        s.at(26, lambda at: visit.vitals(at, 0, sbp_mmhg=166, dbp_mmhg=96))


def _iv(s: Script, visit: Visit, story: Story) -> None:
    # Blood pressure climbs to a peak at about 40 min, some +16/+11 mmHg on average
    # (clinical reference 3.1, Yale 2024).
    for minute in (10, 20, 30, 40):
        if not (story.alarm and minute == 20):
            s.at(minute, partial(visit.vitals, rise=6 + minute // 5))
    _alarms(s, visit, story)
    if story.until == State.PAUSED:
        s.at(12, visit.pump("pause", "Patient asked for a break: dizzy, wants to sit up."))
        return
    if story.nausea:
        _nausea(s, visit, 30)
    s.at(IV_END, visit.scale("cadss", visit.cadss(visit.rng.randint(4, 14)), "40 min"))
    if not reached(story, State.INFUSION_ENDED):
        return
    s.at(IV_END, visit.pump("stop"))
    s.at(
        IV_END + 1,
        lambda at: visit.account_for(at, visit.order.dose_mg if visit.order else Decimal(0)),
    )
    _recovery(s, visit, story, IV_END, discharge_at=IV_END + 65)


def _esketamine(s: Script, visit: Visit, story: Story) -> None:
    last = (story.devices - 1) * DEVICE_GAP
    s.at(last, visit.pump("stop", f"{story.devices} devices given, {DEVICE_GAP} min apart"))
    s.at(last + 1, lambda at: visit.account_for(at, Decimal(28 * story.devices)))
    s.at(40, visit.scale("cadss", visit.cadss(visit.rng.randint(6, 18)), "40 min"))
    s.at(40, visit.scale("moaas", [4], "40 min"))  # drowsy: sedation, as the label warns
    _recovery(s, visit, story, last, discharge_at=125)


def _recovery(s: Script, visit: Visit, story: Story, end: int, *, discharge_at: int) -> None:
    if not reached(story, State.RECOVERY):
        return
    s.at(end + 1, lambda at: start_recovery(visit.nurse, visit.session, at=at))
    s.at(end + 2, visit.scale("moaas", [5 if not visit.esketamine else 4], "end of dosing"))
    for after in RECOVERY_VITALS:
        if end + after < discharge_at:
            s.at(end + after, partial(visit.vitals, rise=max(0, 12 - after // 6)))
    s.at(end + 16, visit.scale("aldrete", _aldrete(consciousness=1), "as needed"))
    if not reached(story, State.DISCHARGED):
        return
    s.at(discharge_at - 3, lambda at: visit.vitals(at, 0))
    s.at(discharge_at - 2, visit.scale("moaas", [5], "pre-discharge"))
    s.at(discharge_at - 2, visit.scale("aldrete", _aldrete(), "pre-discharge"))
    s.at(discharge_at, visit.discharge)
    if story.sign:
        s.at(discharge_at + 5, visit.sign_record)
    if story.rems:
        s.at(discharge_at + 8, lambda at: rems_form(visit.team.nurse, visit.session, at))


def _aborted(s: Script, visit: Visit) -> None:
    s.at(10, lambda at: visit.vitals(at, 10))
    s.at(20, lambda at: visit.vitals(at, 0, sbp_mmhg=206, dbp_mmhg=122, hr_bpm=104))
    # Labetalol is among the responses reported for marked hypertension (clinical reference
    # 4.2); the dose is the demo clinic's own standing order.
    note = "Infusion stopped at once; prescriber at the chair; labetalol 10 mg IV given."
    s.at(21, lambda at: visit.alarm_ack(at, "stopped", note))
    s.at(
        21, lambda at: events.abort_session(visit.nurse, visit.session, reason=ABORT_REASON, at=at)
    )
    s.at(22, lambda at: visit.account_for(at, visit.given_so_far(at - timedelta(minutes=1))))
    s.at(
        24,
        lambda at: events.record_clinical_event(
            visit.nurse,
            visit.session,
            "intervention",
            "Severe hypertension: antihypertensive given",
            medication="labetalol",
            dose="10 mg",
            route="IV",
            at=at,
        ),
    )
    s.at(
        25,
        lambda at: events.record_clinical_event(
            visit.nurse,
            visit.session,
            "adverse_event",
            "Hypertension during ketamine infusion",
            grade=3,
            outcome="Resolved with labetalol and observation; no end-organ symptoms",
            at=at,
        ),
    )
    for minute, rise in ((35, 30), (50, 20), (65, 12), (80, 4)):
        s.at(minute, partial(visit.vitals, rise=rise))
    s.at(81, visit.scale("moaas", [5], "as needed"))


def _nausea(s: Script, visit: Visit, minute: int) -> None:
    s.at(
        minute,
        lambda at: events.record_clinical_event(
            visit.nurse, visit.session, "side_effect", "Nausea", at=at
        ),
    )
    s.at(
        minute + 1,
        lambda at: events.record_clinical_event(
            visit.nurse,
            visit.session,
            "intervention",
            "Nausea: antiemetic given",
            medication="ondansetron",
            dose="4 mg",
            route="IV",
            at=at,
        ),
    )


def _aldrete(consciousness: int = 2) -> dict[str, int]:
    # The circulation item is left out: the service scores it from the blood pressures.
    return {"activity": 2, "respiration": 2, "consciousness": consciousness, "spo2": 2}


def rems_form(nurse: User, session: InfusionSession, at: datetime, lot_number: str = "") -> None:
    """Fill the monitoring HCP's part of the REMS form and complete it (not yet submitted);
    `lot_number` when the session's double check recorded none. A form the core still finds
    problems in stays a draft."""
    name, street, city, state, zip_code = REMS_SETTING.get(session.site.code, REMS_SETTING["north"])
    values: dict[str, object] = {
        "hcp_telephone": "555-0142",
        "hcp_email": f"{nurse.username}@riverside-demo.example",
        "setting_name": name,
        "setting_address_1": street,
        "setting_city": city,
        "setting_state": state,
        "setting_zip": zip_code,
        "vitals_acceptable_before_completion": True,
        "ready_to_leave_minutes": 120,
    }
    if lot_number:
        values["lot_number"] = lot_number
    rems.save_rems(Actor(nurse), session, values, medications_confirmed=True, now=at)
    found = rems.problems(rems.current_data(session, nurse, at))
    if found:  # a day compressed into the small hours: under 2 h of monitoring
        log.info("demo: REMS form of %s left in draft: %s", session.public_id, "; ".join(found))
        return
    rems.complete_rems(Actor(nurse), session, now=at)


def past_rems_forms(today: dt.date, sites: dict[str, Site]) -> int:
    """Complete the forms of past esketamine sessions run at the chair (histories.py), with
    the lot the ledger drew; submit each the day after, except the latest one more than 7
    days old (overdue on the tracker) and yesterday's (due)."""
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    past = (
        InfusionSession.objects.filter(
            site__in=sites.values(),
            modality="esketamine",
            state=State.DISCHARGED,
            rems_form__isnull=True,
            planned__scheduled_at__lt=midnight,
        )
        .annotate(first_dose=Min("transitions__at", filter=Q(transitions__event="start_infusion")))
        .select_related("site", "discharge__by")
        .order_by("first_dose", "pk")
    )
    rows = [(s, timezone.localdate(s.first_dose)) for s in past]
    overdue = [s.pk for s, day in rows if (today - day).days > 7]
    left = overdue[-1] if overdue else None
    done = 0
    for session, day in rows:
        with transaction.atomic():
            nurse = session.discharge.by
            entry = (
                LedgerEntry.objects.filter(destination=session.ledger_account, kind="dispense")
                .select_related("lot")
                .first()
            )
            lot = entry.lot.lot_number if entry is not None else ""
            rems_form(nurse, session, session.discharge.at + dt.timedelta(minutes=10), lot)
            submitted = day + dt.timedelta(days=1)
            completed = RemsForm.objects.filter(session=session, completed_at__isnull=False)
            if session.pk != left and submitted < today and completed.exists():
                rems.mark_submitted(
                    Actor(nurse),
                    session,
                    submitted_on=submitted,
                    reference=f"REMS-{day:%y%m%d}-{session.pk:04d}",
                    today=today,
                )
        done += 1
    if not overdue:
        log.info("demo: no past esketamine session over 7 days old: no REMS form overdue")
    return done
