"""Measurement-based care: which self-report questionnaires are due when during a course.

A `MeasurementProtocol` is cited data: four rules, each a set of questionnaires and a window
around an anchor time. `schedule` turns one course's timeline (its sessions, its phases and
the time it ended) into `DueItem`s; `item_status` says whether an item is upcoming, due,
overdue, complete or missed, given the questionnaires the patient has completed (evidence).

    rule               anchor                          questionnaires (default)
    pre-infusion       every session not cancelled     PHQ-9, GAD-7, C-SSRS screener, urinary
                       (the first adds QIDS-SR16 and PCL-5 as the course baseline)
    post-infusion      every completed session         PHQ-9, side effects
    maintenance-weekly every 7 days in maintenance     PHQ-9, GAD-7
                       (skipped when a session falls within 3 days: its own items cover it)
    after-course       every 30 days after the end,    PHQ-9, GAD-7, QIDS-SR16, C-SSRS, urinary
                       12 times

No consensus schedule exists (clinical reference 4.3: "treat as policy"), so the windows and
counts are kclinic policy; each rule cites the evidence that motivates it. Times are aware
datetimes passed in by the caller; nothing here reads a clock.

Ids in a rule's `instruments` are instrument ids of `kclinic.domain.instruments` or the ids
of the portal's question sets (`urinary-symptoms`, `side-effects`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Final, Literal

from kclinic.domain.errors import ValidationError
from kclinic.domain.outcomes import MCINNES_2022, MURROUGH_2013
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source

PROTOCOL_VERSION: Final = "kclinic-measurement-2025.1"

URINARY: Final = "urinary-symptoms"
SIDE_EFFECTS: Final = "side-effects"

SessionStatus = Literal["scheduled", "completed", "cancelled"]
Status = Literal["upcoming", "due", "overdue", "complete", "missed"]
RuleId = Literal["pre-infusion", "post-infusion", "maintenance-weekly", "after-course"]

# -- sources ---------------------------------------------------------------------------

EVERY_VISIT = Source(
    id="follow-up-every-visit",
    citation="Clinical reference 4.3 (synthesis of clinic practice): every visit, urinary "
    "symptom questions, C-SSRS screener and PHQ-9 with item 9 routed",
    url="https://healthpsychologyresearch.openmedicalpublishing.org/article/38247-ketamine-"
    "induced-cystitis-a-comprehensive-review-of-the-urologic-effects-of-this-psychoactive-drug",
    confidence="policy",
    note="no consensus schedule was found; urinary questions follow Anderson 2022 (Health "
    "Psychol Res), GAD-7 follows real-world ketamine series (Oliver 2022, Hietamies 2023)",
)
BASELINE_SET = Source(
    id="baseline-set",
    citation="ELEKT-D (Anand 2023, NEJM): QIDS-SR16 as the response measure; PCL-5 for "
    "trauma symptoms at baseline (kclinic policy)",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
    confidence="policy",
)
AFTER_INFUSION = Source(
    id="post-infusion-check",
    citation="McInnes 2022 (Osmind): 6.0% reported more suicidal ideation and 8.4% worse "
    "depression after induction; Short 2018 (Lancet Psychiatry): headache, dizziness, "
    "dissociation, raised blood pressure and blurred vision are the common acute effects",
    url=MCINNES_2022.url,
    confidence="policy",
    note="a check the day after each infusion is kclinic policy motivated by these findings",
)
WEEKLY_MAINTENANCE = Source(
    id="maintenance-weekly-check",
    citation="Murrough 2013: median relapse 18 days after the last infusion; McInnes 2022: "
    "sustained response about 80% at 4 weeks and 60% at 8 weeks",
    url=MURROUGH_2013.url,
    confidence="policy",
    note="a weekly check between maintenance sessions catches relapse earlier than the next "
    "infusion would (kclinic policy)",
)
AFTER_COURSE = Source(
    id="after-course-monthly",
    citation="KetECT (Ekstrand 2022): 70% of ketamine remitters relapsed within 12 months, "
    "median 57 days in remission",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
    confidence="policy",
    note="monthly for 12 months covers the relapse window KetECT observed (kclinic policy)",
)


# -- protocol data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Where an item sits around its anchor: open from `opens`, due by `due`, and counted
    (and listed) until `closes`. Offsets are relative to the anchor; negative is before."""

    opens: timedelta
    due: timedelta
    closes: timedelta

    def __post_init__(self) -> None:
        if not self.opens <= self.due <= self.closes:
            raise ValidationError(
                "window", f"{self.opens}/{self.due}/{self.closes}", "opens <= due <= closes"
            )


@dataclass(frozen=True)
class Rule:
    id: RuleId
    instruments: Cited[tuple[str, ...]]
    window: Cited[Window]
    context: str  # the assessments' context: pre-session, post-session, follow-up
    every: Cited[timedelta] | None = None  # periodic rules only
    count: Cited[int] | None = None  # occurrences of a periodic rule with an end


@dataclass(frozen=True)
class MeasurementProtocol:
    version: str
    pre_infusion: Rule
    baseline_extra: Cited[tuple[str, ...]]  # added to the course's first infusion
    post_infusion: Rule
    maintenance_weekly: Rule
    after_course: Rule
    quiet: Cited[timedelta]  # no weekly item within this long of a session

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (self.pre_infusion, self.post_infusion, self.maintenance_weekly, self.after_course)


H, D = timedelta(hours=1), timedelta(days=1)

DEFAULT_PROTOCOL: Final = MeasurementProtocol(
    version=PROTOCOL_VERSION,
    pre_infusion=Rule(
        id="pre-infusion",
        instruments=Cited(("phq9", "gad7", "cssrs-screener", URINARY), EVERY_VISIT),
        # Open as long as a link lives (72 h), due 2 h before the chair so the team sees any
        # flag before the infusion, counted until 4 h after (done at check-in still counts).
        window=Cited(Window(-72 * H, -2 * H, 4 * H), KCLINIC_POLICY),
        context="pre-session",
    ),
    baseline_extra=Cited(("qids-sr16", "pcl5"), BASELINE_SET),
    post_infusion=Rule(
        id="post-infusion",
        instruments=Cited(("phq9", SIDE_EFFECTS), AFTER_INFUSION),
        # 24 h after, due within the next day, reminders for 3 days (then it is missed).
        window=Cited(Window(24 * H, 48 * H, 96 * H), KCLINIC_POLICY),
        context="post-session",
    ),
    maintenance_weekly=Rule(
        id="maintenance-weekly",
        instruments=Cited(("phq9", "gad7"), WEEKLY_MAINTENANCE),
        window=Cited(Window(timedelta(0), 2 * D, 7 * D), KCLINIC_POLICY),
        context="follow-up",
        every=Cited(7 * D, WEEKLY_MAINTENANCE),
    ),
    after_course=Rule(
        id="after-course",
        instruments=Cited(("phq9", "gad7", "qids-sr16", "cssrs-screener", URINARY), AFTER_COURSE),
        window=Cited(Window(timedelta(0), 7 * D, 30 * D), KCLINIC_POLICY),
        context="follow-up",
        every=Cited(30 * D, AFTER_COURSE),
        count=Cited(12, AFTER_COURSE),
    ),
    quiet=Cited(3 * D, KCLINIC_POLICY),
)


# -- a course's timeline and the items it generates -----------------------------------


@dataclass(frozen=True)
class SessionPoint:
    """One planned session: its public id, number, time and status. `completed_at` is when
    it was completed (None unless completed)."""

    id: str
    sequence: int
    at: datetime
    status: SessionStatus
    completed_at: datetime | None = None


@dataclass(frozen=True)
class PhaseSpan:
    phase: str
    start: datetime
    end: datetime | None  # None while current


@dataclass(frozen=True)
class CourseTimeline:
    course_id: str
    sessions: tuple[SessionPoint, ...]
    phases: tuple[PhaseSpan, ...] = ()
    ended_at: datetime | None = None


@dataclass(frozen=True)
class DueItem:
    """Questionnaires due in one window. `key` is stable across runs, so a link sent for an
    item and reminders about it can name it."""

    key: str
    course_id: str
    rule: RuleId
    instruments: tuple[str, ...]
    context: str
    anchor: str  # the session's id, or the occurrence number of a periodic rule
    opens_at: datetime
    due_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Evidence:
    """A questionnaire the patient completed (an assessment or a portal question set)."""

    instrument: str
    at: datetime


@dataclass(frozen=True)
class ItemState:
    item: DueItem
    status: Status
    missing: tuple[str, ...] = field(default=())


def _item(
    course: CourseTimeline,
    rule: Rule,
    anchor: str,
    at: datetime,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    instruments: tuple[str, ...] | None = None,
    context: str | None = None,
) -> DueItem:
    window = rule.window.value
    return DueItem(
        key=f"{course.course_id}:{rule.id}:{anchor}",
        course_id=course.course_id,
        rule=rule.id,
        instruments=instruments if instruments is not None else rule.instruments.value,
        context=context if context is not None else rule.context,
        anchor=anchor,
        opens_at=opens_at if opens_at is not None else at + window.opens,
        due_at=at + window.due,
        closes_at=closes_at if closes_at is not None else at + window.closes,
    )


def _with_extra(base: Sequence[str], extra: Sequence[str]) -> tuple[str, ...]:
    return (*base, *(i for i in extra if i not in base))


def _infusion_items(course: CourseTimeline, protocol: MeasurementProtocol) -> list[DueItem]:
    items: list[DueItem] = []
    live = sorted(
        (s for s in course.sessions if s.status != "cancelled"), key=lambda s: (s.at, s.sequence)
    )
    pre = protocol.pre_infusion
    window = pre.window.value
    # Consecutive pre-infusion windows meet but never overlap, so a questionnaire answered
    # for one infusion never counts for the next: the boundary is the earlier of this
    # window's close and the next infusion's due time.
    boundaries = [
        min(this.at + window.closes, following.at + window.due)
        for this, following in pairwise(live)
    ]
    for index, session in enumerate(live):
        first = index == 0
        opens_at = session.at + window.opens
        if not first:
            opens_at = max(opens_at, boundaries[index - 1])
        items.append(
            _item(
                course,
                pre,
                session.id,
                session.at,
                opens_at=opens_at,
                closes_at=boundaries[index] if index < len(boundaries) else None,
                instruments=_with_extra(pre.instruments.value, protocol.baseline_extra.value)
                if first
                else pre.instruments.value,
                context="baseline" if first else pre.context,
            )
        )
        if session.status == "completed":
            anchor_at = session.completed_at or session.at
            items.append(_item(course, protocol.post_infusion, session.id, anchor_at))
    return items


def _weekly_items(
    course: CourseTimeline, protocol: MeasurementProtocol, until: datetime
) -> list[DueItem]:
    rule = protocol.maintenance_weekly
    step = rule.every.value if rule.every else 7 * D
    quiet = protocol.quiet.value
    busy = [s.at for s in course.sessions if s.status != "cancelled"]
    items: list[DueItem] = []
    for span_number, span in enumerate(p for p in course.phases if p.phase == "maintenance"):
        end = min(t for t in (span.end, course.ended_at, until) if t is not None)
        week = 1
        while (at := span.start + week * step) <= end:
            if not any(abs(at - session_at) <= quiet for session_at in busy):
                items.append(_item(course, rule, f"{span_number + 1}.{week}", at))
            week += 1
    return items


def _after_course_items(course: CourseTimeline, protocol: MeasurementProtocol) -> list[DueItem]:
    if course.ended_at is None:
        return []
    rule = protocol.after_course
    step = rule.every.value if rule.every else 30 * D
    count = rule.count.value if rule.count else 0
    return [_item(course, rule, str(n), course.ended_at + n * step) for n in range(1, count + 1)]


def schedule(
    course: CourseTimeline,
    *,
    until: datetime,
    protocol: MeasurementProtocol = DEFAULT_PROTOCOL,
) -> tuple[DueItem, ...]:
    """Every item of the course that opens at or before `until`, in order of due time.

    Pre-infusion items for sessions not cancelled (the first is the baseline and adds the
    baseline questionnaires); post-infusion items for completed sessions; weekly items in
    maintenance (none within `quiet` of a session); monthly items after the course ended.
    """
    items = [
        *_infusion_items(course, protocol),
        *_weekly_items(course, protocol, until),
        *_after_course_items(course, protocol),
    ]
    return tuple(sorted((i for i in items if i.opens_at <= until), key=lambda i: (i.due_at, i.key)))


def missing(item: DueItem, evidence: Iterable[Evidence]) -> tuple[str, ...]:
    """The item's questionnaires with no evidence inside its window (opens to closes)."""
    done = {e.instrument for e in evidence if item.opens_at <= e.at <= item.closes_at}
    return tuple(i for i in item.instruments if i not in done)


def item_status(item: DueItem, evidence: Iterable[Evidence], now: datetime) -> ItemState:
    """Complete once every questionnaire has evidence in the window; otherwise upcoming
    before it opens, due until its due time, overdue until it closes, then missed."""
    left = missing(item, evidence)
    if not left:
        return ItemState(item, "complete")
    if now < item.opens_at:
        status: Status = "upcoming"
    elif now < item.due_at:
        status = "due"
    elif now < item.closes_at:
        status = "overdue"
    else:
        status = "missed"
    return ItemState(item, status, left)


def outstanding(
    course: CourseTimeline,
    evidence: Iterable[Evidence],
    now: datetime,
    protocol: MeasurementProtocol = DEFAULT_PROTOCOL,
) -> tuple[ItemState, ...]:
    """The course's items that are due or overdue at `now` (what staff should chase)."""
    known = tuple(evidence)
    states = (
        item_status(item, known, now) for item in schedule(course, until=now, protocol=protocol)
    )
    return tuple(s for s in states if s.status in ("due", "overdue"))
