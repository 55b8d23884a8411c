"""Long-term safety follow-up of repeated ketamine: cumulative exposure and the rules that ask
for a check (clinical reference 4.3).

The reference found no consensus schedule, so every threshold and interval here is protocol
data (`FollowupPolicy`, each value `Cited`, kclinic policy backed by the evidence it names),
which a clinic's medical director reviews and may override (`policy_from`). The rules:

- urinary symptoms reported (frequency, urgency, dysuria, haematuria, suprapubic pain)
  -> urinalysis and urology review;
- cumulative exposure above a level, or frequent maintenance sessions -> liver function
  tests and a cognitive screen, repeated at an interval while treatment continues;
- misuse signals (early session requests, escalating dose requests) -> prescriber review;
- a blood-pressure trend across sessions (pre-dose readings above 140/90 at consecutive
  sessions, or a sustained rise from the patient's own starting level) -> review.

`evaluate` returns `Finding`s. Each carries a `key` that stays the same while the same episode
lasts (the first day of the current run of triggering observations, or the reminder cycle),
so a caller can open one task per finding and run the rules as often as it likes.
Dates come in as arguments; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.outcome_stats import Dose, doses_in_window, exposure
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source
from kclinic.domain.units import to_decimal

UROPATHY = Source(
    id="ketamine-uropathy",
    citation="Anderson DJ et al. Health Psychol Res 2022; Chan EOT et al. Hong Kong Med J "
    "2022;28(6):466-74: ketamine-induced cystitis presents with frequency (77.1%), urgency "
    "(69.9%) and suprapubic pain (60.4%); regular use raises the risk 3-4-fold",
    url="https://www.hkmj.org/abstracts/v28n6/466.htm",
)
LIVER = Source(
    id="ketamine-liver",
    citation="Noppers IM et al. Pain 2011;152:2173-2178 (hepatotoxicity after repeated "
    "prolonged S-ketamine infusions); Cotter S et al. Drug Saf 2021 (FAERS hepatobiliary "
    "events with repeated supervised ketamine)",
    url="http://pubmed.gov/32643900/",
)
COGNITION = Source(
    id="ketamine-cognition",
    citation="ELEKT-D cognitive outcomes (MoCA used as the screen, PMC11200139) and Kumpf KT "
    "et al. J Clin Psychiatry 2025: long-term cognitive effects of repeated dosing unknown",
    url="http://47.251.13.51:8081/40900112",
)
MISUSE = Source(
    id="ketamine-misuse",
    citation="Spravato PI 5.3 boxed warning: abuse and misuse; assess risk before prescribing "
    "and monitor for signs of abuse or dependence (esketamine and racemic ketamine are CIII)",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=5",
)
BP_GUIDE = Source(
    id="spravato-pi-5.6-bp",
    citation="SPRAVATO prescribing information 5.6: consider delaying treatment if blood "
    "pressure is above 140/90 mmHg as a general guide",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7",
)


def _policy(evidence: Source, reason: str) -> Source:
    return replace(KCLINIC_POLICY, note=f"{reason} (evidence: {evidence.citation})")


@dataclass(frozen=True)
class FollowupPolicy:
    """Thresholds and intervals of the follow-up rules; mg/kg per the exposure window."""

    urinary_symptoms: Cited[tuple[str, ...]]
    exposure_window_days: Cited[int]
    window_mg_per_kg: Cited[Decimal]
    cumulative_mg_per_kg: Cited[Decimal]
    maintenance_sessions_in_window: Cited[int]
    active_days: Cited[int]
    lft_every_days: Cited[int]
    cognitive_every_days: Cited[int]
    misuse_signals: Cited[int]
    misuse_window_days: Cited[int]
    bp_above: Cited[tuple[int, int]]
    bp_sessions: Cited[int]
    bp_rise_mmhg: Cited[int]


DEFAULT_POLICY: Final = FollowupPolicy(
    urinary_symptoms=Cited(
        ("frequency", "urgency", "dysuria", "haematuria", "suprapubic_pain"), UROPATHY
    ),
    exposure_window_days=Cited(30, _policy(LIVER, "clinical reference 4.3 asks for mg and "
                                           "mg/kg per 30 days")),
    window_mg_per_kg=Cited(Decimal("4.0"), _policy(LIVER, "more than a 6 x 0.5 mg/kg "
                                                  "induction within 30 days")),
    cumulative_mg_per_kg=Cited(Decimal("12.0"), _policy(LIVER, "about 24 standard "
                                                       "0.5 mg/kg infusions")),
    maintenance_sessions_in_window=Cited(6, _policy(LIVER, "maintenance more often than "
                                                    "weekly")),
    active_days=Cited(90, _policy(LIVER, "reminders stop 90 days after the last dose")),
    lft_every_days=Cited(90, _policy(LIVER, "liver function tests every 3 months")),
    cognitive_every_days=Cited(180, _policy(COGNITION, "a cognitive screen (e.g. MoCA) "
                                            "every 6 months")),
    misuse_signals=Cited(2, _policy(MISUSE, "two signals")),
    misuse_window_days=Cited(60, _policy(MISUSE, "within 60 days")),
    bp_above=Cited((140, 90), BP_GUIDE),
    bp_sessions=Cited(3, _policy(BP_GUIDE, "at 3 consecutive sessions")),
    bp_rise_mmhg=Cited(20, _policy(BP_GUIDE, "a rise of 20 mmHg systolic from the mean of "
                                   "the first 3 sessions to the mean of the latest 3")),
)  # fmt: skip


def policy_from(
    overrides: Mapping[str, object], source: Source, base: FollowupPolicy = DEFAULT_POLICY
) -> FollowupPolicy:
    """A clinic's policy: `base` with the named values replaced, each cited to `source`.

    Unknown names raise UnknownNameError; values must be whole numbers of 1 or more (a
    decimal for the mg/kg levels, a [systolic, diastolic] pair for bp_above, a list of
    names for urinary_symptoms)."""
    known = {f.name for f in fields(FollowupPolicy)}
    changes: dict[str, Cited[Any]] = {}
    for name, value in overrides.items():
        if name not in known:
            raise UnknownNameError("safety_followup", name, known)
        changes[name] = Cited(_parse(name, value), source)
    return replace(base, **changes)


def _parse(name: str, value: object) -> object:
    if name == "urinary_symptoms":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError(name, value, "a list of symptom names")
        return tuple(value)
    if name == "bp_above":
        if not (isinstance(value, list | tuple) and len(value) == 2):
            raise ValidationError(name, value, "[systolic, diastolic] in mmHg")
        return (_whole(name, value[0]), _whole(name, value[1]))
    if name in ("window_mg_per_kg", "cumulative_mg_per_kg"):
        number = to_decimal(value, name)
        if number <= 0:
            raise ValidationError(name, value, "a positive number of mg/kg")
        return number
    return _whole(name, value)


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(name, value, "a whole number of 1 or more")
    return value


# -- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrinaryReport:
    """The urinary questions answered on a day: the symptoms reported (empty: none)."""

    on: date
    symptoms: frozenset[str]


Signal = Literal["early_request", "dose_escalation"]


@dataclass(frozen=True)
class MisuseSignal:
    on: date
    kind: Signal
    detail: str = ""


@dataclass(frozen=True)
class BloodPressure:
    """The pre-dose reading of one session, in mmHg."""

    on: date
    sbp_mmhg: int
    dbp_mmhg: int


@dataclass(frozen=True)
class FollowupFacts:
    urinary: tuple[UrinaryReport, ...] = ()
    doses: tuple[Dose, ...] = ()
    maintenance_sessions: tuple[date, ...] = ()
    misuse: tuple[MisuseSignal, ...] = ()
    predose_bp: tuple[BloodPressure, ...] = ()


# Words that name a urinary symptom in free text (a recorded side effect, a patient's own
# words); the names are those of the urinary questions (clinical reference 4.3).
URINARY_WORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "frequency": ("urinary frequency", "passing urine more often", "peeing more often"),
    "urgency": ("urinary urgency", "urgency to pass urine", "urge to pass urine"),
    "dysuria": ("dysuria", "painful urination", "pain on passing urine", "burning when passing "
                "urine", "burning on urination", "pain passing urine"),
    "haematuria": ("haematuria", "hematuria", "blood in urine", "blood in the urine"),
    "suprapubic_pain": ("suprapubic", "bladder pain"),
}  # fmt: skip


def urinary_symptoms_in(text: str) -> frozenset[str]:
    """The urinary symptoms a free-text description names."""
    lowered = " ".join(text.lower().split())
    return frozenset(
        name for name, words in URINARY_WORDS.items() if any(w in lowered for w in words)
    )


# -- findings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A check that is due: which rule, the episode key, what to do, and why."""

    rule: str
    key: str
    title: str
    detail: str
    since: date
    source: Source


def _run_start(days: Sequence[date], holds: Sequence[bool]) -> date | None:
    """The first day of the run of holding observations that ends with the latest one, or
    None when the latest does not hold."""
    if not holds or not holds[-1]:
        return None
    start = len(holds) - 1
    while start > 0 and holds[start - 1]:
        start -= 1
    return days[start]


def _urinary(facts: FollowupFacts, policy: FollowupPolicy) -> list[Finding]:
    reports = sorted(facts.urinary, key=lambda r: r.on)
    watched = set(policy.urinary_symptoms.value)
    holds = [bool(r.symptoms & watched) for r in reports]
    since = _run_start([r.on for r in reports], holds)
    if since is None:
        return []
    named = ", ".join(sorted(reports[-1].symptoms & watched)).replace("_", " ")
    return [
        Finding(
            "urinary",
            f"urinary:{since.isoformat()}",
            "Urinary symptoms reported: urinalysis and urology review",
            f"Reported {named} on {reports[-1].on.isoformat()} (since {since.isoformat()}). "
            "Ketamine can cause cystitis; check a urine sample and consider a urology review.",
            since,
            policy.urinary_symptoms.source,
        )
    ]


def _exposure_trigger(facts: FollowupFacts, policy: FollowupPolicy) -> date | None:
    """The first day the exposure or maintenance-frequency rule held, if it ever did."""
    window = policy.exposure_window_days.value
    doses = sorted(facts.doses, key=lambda d: d.on)
    maintenance = sorted(facts.maintenance_sessions)
    days = sorted({d.on for d in doses} | set(maintenance))
    for day in days:
        total = sum((d.mg_per_kg for d in doses if d.on <= day), Decimal(0))
        in_window = sum((d.mg_per_kg for d in doses_in_window(doses, day, window)), Decimal(0))
        frequent = sum(1 for m in maintenance if day - timedelta(days=window) < m <= day)
        if (
            in_window > policy.window_mg_per_kg.value
            or total >= policy.cumulative_mg_per_kg.value
            or frequent >= policy.maintenance_sessions_in_window.value
        ):
            return day
    return None


def _reminders(facts: FollowupFacts, today: date, policy: FollowupPolicy) -> list[Finding]:
    first = _exposure_trigger(facts, policy)
    last_dose = max([d.on for d in facts.doses] + list(facts.maintenance_sessions), default=None)
    if first is None or last_dose is None or first > today:
        return []
    if (today - last_dose).days > policy.active_days.value:
        return []
    summary = exposure(facts.doses, today, policy.exposure_window_days.value)
    why = (
        f"Cumulative exposure {summary.total_mg_per_kg} mg/kg over {summary.sessions} "
        f"sessions; {summary.window_mg_per_kg} mg/kg in the last {summary.window_days} days "
        f"(rules met since {first.isoformat()})."
    )
    found = []
    for rule, every, title, action in (
        ("lft", policy.lft_every_days, "Liver function tests due (repeated ketamine)",
         "Order liver function tests."),
        ("cognitive", policy.cognitive_every_days, "Cognitive screen due (repeated ketamine)",
         "Repeat a cognitive screen such as the MoCA."),
    ):  # fmt: skip
        cycle = (today - first).days // every.value
        since = first + timedelta(days=cycle * every.value)
        found.append(
            Finding(rule, f"{rule}:{first.isoformat()}:{cycle}", title, f"{why} {action}",
                    since, every.source)
        )  # fmt: skip
    return found


def _misuse(facts: FollowupFacts, today: date, policy: FollowupPolicy) -> list[Finding]:
    window = policy.misuse_window_days.value
    signals = sorted(facts.misuse, key=lambda s: s.on)
    if not signals or (today - signals[-1].on).days > window:
        return []
    holds = [
        sum(1 for other in signals if s.on - timedelta(days=window) < other.on <= s.on)
        >= policy.misuse_signals.value
        for s in signals
    ]
    since = _run_start([s.on for s in signals], holds)
    if since is None:
        return []
    recent = [s for s in signals if s.on > since - timedelta(days=window)]
    kinds = ", ".join(sorted({s.kind.replace("_", " ") for s in recent}))
    return [
        Finding(
            "misuse",
            f"misuse:{since.isoformat()}",
            "Possible misuse signals: prescriber review",
            f"{len(recent)} signals ({kinds}) from {recent[0].on.isoformat()} to "
            f"{recent[-1].on.isoformat()}, at least {policy.misuse_signals.value} within "
            f"{window} days. Review the pattern "
            "of requests with the patient and the treatment plan.",
            since,
            policy.misuse_signals.source,
        )
    ]


def _mean(values: Sequence[int]) -> Decimal:
    return Decimal(sum(values)) / Decimal(len(values))


def _bp(facts: FollowupFacts, today: date, policy: FollowupPolicy) -> list[Finding]:
    readings = sorted(facts.predose_bp, key=lambda r: r.on)
    if not readings or (today - readings[-1].on).days > policy.active_days.value:
        return []
    sbp_limit, dbp_limit = policy.bp_above.value
    run = policy.bp_sessions.value
    above = [r.sbp_mmhg > sbp_limit or r.dbp_mmhg > dbp_limit for r in readings]
    holds = []
    for i in range(len(readings)):
        consecutive = i + 1 >= run and all(above[i + 1 - run : i + 1])
        rising = i + 1 >= 2 * run and (
            _mean([r.sbp_mmhg for r in readings[i + 1 - run : i + 1]])
            - _mean([r.sbp_mmhg for r in readings[:run]])
            >= policy.bp_rise_mmhg.value
        )
        holds.append(consecutive or rising)
    since = _run_start([r.on for r in readings], holds)
    if since is None:
        return []
    latest = readings[-1]
    return [
        Finding(
            "bp-trend",
            f"bp-trend:{since.isoformat()}",
            "Blood pressure trend across sessions: review",
            f"Pre-dose blood pressure {latest.sbp_mmhg}/{latest.dbp_mmhg} mmHg on "
            f"{latest.on.isoformat()}; above {sbp_limit}/{dbp_limit} at {run} sessions in a "
            f"row or rising by {policy.bp_rise_mmhg.value} mmHg systolic since the first "
            f"sessions (since {since.isoformat()}). Review blood pressure with the patient's "
            "doctor before further sessions.",
            since,
            policy.bp_sessions.source,
        )
    ]


RULES: Final[tuple[str, ...]] = ("urinary", "lft", "cognitive", "misuse", "bp-trend")


def evaluate(
    facts: FollowupFacts, today: date, policy: FollowupPolicy = DEFAULT_POLICY
) -> tuple[Finding, ...]:
    """Every follow-up check due for a patient on `today`, in RULES order. Observations
    after `today` are ignored."""
    known: FollowupFacts = FollowupFacts(
        urinary=tuple(r for r in facts.urinary if r.on <= today),
        doses=tuple(d for d in facts.doses if d.on <= today),
        maintenance_sessions=tuple(m for m in facts.maintenance_sessions if m <= today),
        misuse=tuple(s for s in facts.misuse if s.on <= today),
        predose_bp=tuple(r for r in facts.predose_bp if r.on <= today),
    )
    checks: tuple[Callable[[], list[Finding]], ...] = (
        lambda: _urinary(known, policy),
        lambda: _reminders(known, today, policy),
        lambda: _misuse(known, today, policy),
        lambda: _bp(known, today, policy),
    )
    return tuple(finding for check in checks for finding in check())
