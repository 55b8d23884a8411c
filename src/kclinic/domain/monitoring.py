"""Chair-side vital signs: one reading, the clinic's vital-sign policy, and alert rules.

Clinical reference 3.1-3.3 and 4.2. The psychiatric sources disagree and the consensus
numbers could not be read, so every threshold is a field of `VitalSignPolicy` (the
reference's suggested BPPolicy) carrying its own `Cited` source; `DEFAULT_POLICY` is the
reference's illustrative configuration and must be reviewed by the clinic's medical
director. Rules and defaults are listed in docs/clinical/monitoring.md.

Alert levels, lowest first: info < warn < pause < stop < emergency. In the pre-dose phase
"pause" and "stop" mean "do not start yet" and "do not dose today"; in recovery they mean
"keep observing and call the prescriber" and "escalate".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Literal

from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source

SPRAVATO_PI_5_6 = Source(
    id="spravato-pi-5.6",
    citation="SPRAVATO (esketamine) prescribing information 5.6: consider delaying if BP "
    "> 140/90 mmHg as a general guide; symptoms of hypertensive crisis or encephalopathy "
    "need emergency care",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7",
)
STANDING_ORDERS_FORUM = Source(
    id="esketamine-standing-orders-forum",
    citation="Academic esketamine clinic standing orders (forum post): BP > 180/110 on two "
    "readings 5 min apart, or > 200/120 once; HR > 120 sustained 5 min",
    url="https://forums.studentdoctor.net/threads/esketamine-clinic-prn-meds.1504698/latest",
    confidence="secondary",
    note="the reference's illustrative BPPolicy uses >= at 180/110 and 200/120",
)
MAYO_ICU_EXCLUSION = Source(
    id="nct05803551-vital-exclusion",
    citation="NCT05803551 (Mayo ICU ketamine-for-depression trial) exclusions: SBP > 180 or "
    "< 90; HR < 50 or > 120; RR < 10 or > 30; SpO2 < 95%",
    url="https://trials.co/clinical-trials-details/-/NCT05803551",
    note="trial exclusion criteria used as chair-side warning limits (kclinic choice)",
)
EMORY_2018 = Source(
    id="emory-2018-pmid29525051",
    citation="Riva-Posse P et al. J Affect Disord 2018 (Emory, 684 infusions): BP every "
    "10 min during the infusion and every 15 min thereafter",
    url="http://47.251.13.51:8081/29525051",
)
PHYSIOLOGICAL = replace(
    KCLINIC_POLICY,
    note="data-entry plausibility ranges: a value outside them is a typing or sensor error "
    "and is refused, not assessed",
)

Phase = Literal["pre_dose", "infusion", "recovery"]
PHASES: Final = ("pre_dose", "infusion", "recovery")
Level = Literal["info", "warn", "pause", "stop", "emergency"]
LEVELS: Final[tuple[Level, ...]] = ("info", "warn", "pause", "stop", "emergency")
SOURCES: Final = ("manual", "device")

# Spravato PI 5.6: hypertensive crisis (chest pain, shortness of breath) or hypertensive
# encephalopathy (sudden severe headache, visual disturbance, seizures, reduced
# consciousness, focal neurological deficit).
CRISIS_SYMPTOMS: Final = Cited(
    frozenset(
        {
            "chest_pain",
            "shortness_of_breath",
            "sudden_severe_headache",
            "visual_disturbance",
            "seizure",
            "reduced_consciousness",
            "focal_neurological_deficit",
        }
    ),
    SPRAVATO_PI_5_6,
)

# (field, low, high, unit): plausibility, not normality.
PHYSIOLOGICAL_RANGES: Final = Cited(
    (
        ("sbp_mmhg", 40, 300, "mmHg"),
        ("dbp_mmhg", 20, 200, "mmHg"),
        ("hr_bpm", 20, 250, "bpm"),
        ("spo2_pct", 50, 100, "%"),
        ("rr_per_min", 4, 60, "/min"),
    ),
    PHYSIOLOGICAL,
)


@dataclass(frozen=True)
class VitalSigns:
    """One set of vital signs. BP is required; HR, SpO2 and RR may be missing (BP-only set).

    Integers in mmHg, beats/min, % and breaths/min; `source` is "manual" or "device"; `at`
    is timezone-aware. Values outside PHYSIOLOGICAL_RANGES raise OutOfRangeError.
    """

    sbp_mmhg: int
    dbp_mmhg: int
    at: datetime
    hr_bpm: int | None = None
    spo2_pct: int | None = None
    rr_per_min: int | None = None
    source: str = "manual"

    def __post_init__(self) -> None:
        for name, low, high, unit in PHYSIOLOGICAL_RANGES.value:
            value = getattr(self, name)
            if value is None and name not in ("sbp_mmhg", "dbp_mmhg"):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(name, value, f"a whole number {low} to {high} {unit}")
            if not low <= value <= high:
                raise OutOfRangeError(name, value, low, high, unit)
        if self.dbp_mmhg >= self.sbp_mmhg:
            raise ValidationError(
                "dbp_mmhg", self.dbp_mmhg, f"below the systolic {self.sbp_mmhg} mmHg"
            )
        if self.source not in SOURCES:
            raise UnknownNameError("source", self.source, SOURCES)
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValidationError("at", self.at.isoformat(), "a timezone-aware time")


@dataclass(frozen=True)
class VitalSignPolicy:
    """A clinic's vital-sign thresholds. BP pairs are (systolic, diastolic) in mmHg.

    warn: pre-dose BP strictly above predose_warn; pause: BP at or above pause on two
    readings at least confirm_minutes apart (first one: recheck); stop: BP at or above stop
    once; HR/SpO2/RR and low SBP outside the limits: warn; any crisis symptom: emergency.
    A clinic builds its own with `dataclasses.replace(DEFAULT_POLICY, pause_bp=Cited(...))`.
    """

    predose_warn_bp: Cited[tuple[int, int]]
    pause_bp: Cited[tuple[int, int]]
    confirm_minutes: Cited[int]
    stop_bp: Cited[tuple[int, int]]
    low_sbp_mmhg: Cited[int]
    hr_range_bpm: Cited[tuple[int, int]]
    min_spo2_pct: Cited[int]
    rr_range_per_min: Cited[tuple[int, int]]
    symptom_override: Cited[bool]
    infusion_interval_minutes: Cited[int]
    recovery_interval_minutes: Cited[int]


DEFAULT_POLICY: Final = VitalSignPolicy(
    predose_warn_bp=Cited((140, 90), SPRAVATO_PI_5_6),
    pause_bp=Cited((180, 110), STANDING_ORDERS_FORUM),
    confirm_minutes=Cited(5, STANDING_ORDERS_FORUM),
    stop_bp=Cited((200, 120), STANDING_ORDERS_FORUM),
    low_sbp_mmhg=Cited(90, MAYO_ICU_EXCLUSION),
    hr_range_bpm=Cited((50, 120), MAYO_ICU_EXCLUSION),
    min_spo2_pct=Cited(95, MAYO_ICU_EXCLUSION),
    rr_range_per_min=Cited((10, 30), MAYO_ICU_EXCLUSION),
    symptom_override=Cited(True, SPRAVATO_PI_5_6),
    infusion_interval_minutes=Cited(10, EMORY_2018),
    recovery_interval_minutes=Cited(15, EMORY_2018),
)


@dataclass(frozen=True)
class Alert:
    """One rule that fired: its level, id, what to tell the nurse, source, what is pending."""

    level: Level
    rule: str
    message: str
    source: Source
    at: datetime
    pending: str | None = None


def level_rank(level: Level) -> int:
    """0 for info up to 4 for emergency."""
    return LEVELS.index(level)


def highest_level(alerts: Iterable[Alert]) -> Level | None:
    """The most severe level among `alerts`, or None when there are none."""
    ranks = [level_rank(a.level) for a in alerts]
    return LEVELS[max(ranks)] if ranks else None


def _at_or_above(reading: VitalSigns, bp: tuple[int, int]) -> bool:
    return reading.sbp_mmhg >= bp[0] or reading.dbp_mmhg >= bp[1]


def _bp(reading: VitalSigns) -> str:
    return f"{reading.sbp_mmhg}/{reading.dbp_mmhg} mmHg"


def _symptoms(symptoms: Iterable[str]) -> tuple[str, ...]:
    known = CRISIS_SYMPTOMS.value
    chosen = tuple(sorted(set(symptoms)))
    for name in chosen:
        if name not in known:
            raise UnknownNameError("symptoms", name, known)
    return chosen


def assess(
    readings_so_far: Sequence[VitalSigns],
    new_reading: VitalSigns,
    symptoms: Iterable[str],
    phase: str,
    policy: VitalSignPolicy = DEFAULT_POLICY,
) -> list[Alert]:
    """Check `new_reading` (and any crisis `symptoms`) against `policy`; most severe first.

    `readings_so_far` are this session's earlier readings, oldest first; they are used only
    to confirm a pause-level BP: the pause rule fires when every reading from the first
    pause-level one of the current run to the new one is at or above the pause threshold and
    the run spans at least `confirm_minutes` (Spravato PI 5.6; standing orders; reference
    3.2). Symptoms are names from CRISIS_SYMPTOMS.
    """
    if phase not in PHASES:
        raise UnknownNameError("phase", phase, PHASES)
    if readings_so_far and new_reading.at < readings_so_far[-1].at:
        last = readings_so_far[-1].at.isoformat()
        raise ValidationError("new_reading.at", new_reading.at.isoformat(), f"{last} or later")
    alerts: list[Alert] = []
    at = new_reading.at
    named = _symptoms(symptoms)
    if named and policy.symptom_override.value:
        alerts.append(
            Alert(
                "emergency",
                "crisis-symptom",
                "possible hypertensive crisis or encephalopathy (" + ", ".join(named) + "): "
                "stop dosing and get emergency care, whatever the numbers",
                policy.symptom_override.source,
                at,
            )
        )
    alerts.extend(_bp_alerts(readings_so_far, new_reading, phase, policy))
    alerts.extend(_other_alerts(new_reading, policy))
    alerts.sort(key=lambda a: -level_rank(a.level))
    return alerts


def _bp_alerts(
    earlier: Sequence[VitalSigns], reading: VitalSigns, phase: str, policy: VitalSignPolicy
) -> list[Alert]:
    at = reading.at
    if _at_or_above(reading, policy.stop_bp.value):
        limit = "{}/{}".format(*policy.stop_bp.value)
        message = f"BP {_bp(reading)} at or above {limit}: stop and call the prescriber"
        return [Alert("stop", "bp-stop", message, policy.stop_bp.source, at)]
    if _at_or_above(reading, policy.pause_bp.value):
        limit = "{}/{}".format(*policy.pause_bp.value)
        run_start = reading.at
        for previous in reversed(earlier):
            if not _at_or_above(previous, policy.pause_bp.value):
                break
            run_start = previous.at
        needed = timedelta(minutes=policy.confirm_minutes.value)
        if reading.at - run_start >= needed:
            message = f"BP {_bp(reading)} at or above {limit}, confirmed: pause and recheck"
            return [Alert("pause", "bp-pause", message, policy.pause_bp.source, at)]
        due = run_start + needed
        message = f"BP {_bp(reading)} at or above {limit}: recheck"
        pending = f"a second reading at or above {limit} at {due.isoformat()} or later"
        return [Alert("warn", "bp-recheck", message, policy.confirm_minutes.source, at, pending)]
    warn_sbp, warn_dbp = policy.predose_warn_bp.value
    if phase == "pre_dose" and (reading.sbp_mmhg > warn_sbp or reading.dbp_mmhg > warn_dbp):
        message = f"pre-dose BP {_bp(reading)} above {warn_sbp}/{warn_dbp}: weigh delaying the dose"
        return [Alert("warn", "predose-bp", message, policy.predose_warn_bp.source, at)]
    if reading.sbp_mmhg < policy.low_sbp_mmhg.value:
        message = f"systolic {reading.sbp_mmhg} mmHg below {policy.low_sbp_mmhg.value}"
        return [Alert("warn", "sbp-low", message, policy.low_sbp_mmhg.source, at)]
    return []


def _other_alerts(reading: VitalSigns, policy: VitalSignPolicy) -> list[Alert]:
    alerts: list[Alert] = []
    at = reading.at
    hr_low, hr_high = policy.hr_range_bpm.value
    if reading.hr_bpm is not None and not hr_low <= reading.hr_bpm <= hr_high:
        message = f"heart rate {reading.hr_bpm} bpm outside {hr_low}-{hr_high}"
        alerts.append(Alert("warn", "hr-range", message, policy.hr_range_bpm.source, at))
    if reading.spo2_pct is not None and reading.spo2_pct < policy.min_spo2_pct.value:
        message = f"SpO2 {reading.spo2_pct}% below {policy.min_spo2_pct.value}%"
        alerts.append(Alert("warn", "spo2-low", message, policy.min_spo2_pct.source, at))
    rr_low, rr_high = policy.rr_range_per_min.value
    if reading.rr_per_min is not None and not rr_low <= reading.rr_per_min <= rr_high:
        message = f"respiratory rate {reading.rr_per_min}/min outside {rr_low}-{rr_high}"
        alerts.append(Alert("warn", "rr-range", message, policy.rr_range_per_min.source, at))
    return alerts


def predose_check(
    baseline: VitalSigns, symptoms: Iterable[str] = (), policy: VitalSignPolicy = DEFAULT_POLICY
) -> list[Alert]:
    """Baseline vitals before dosing: the pre-dose rules of `assess` with no earlier readings.

    An empty list means the baseline is within the policy's pre-dose limits.
    """
    return assess((), baseline, symptoms, "pre_dose", policy)
