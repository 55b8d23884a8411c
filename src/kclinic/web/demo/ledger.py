"""A year of controlled-substance ledger history for the demo clinic (issue 5).

Each site keeps one safe ("Safe A"). North stocks ketamine 50 and 100 mg/mL vials, South 50
and 10 mg/mL; esketamine devices are received at North only and sent to South by transfer.
A named supplier delivers against an invoice every three to five weeks, topping each product
up to the demand of the coming weeks. Every completed demo session draws from the safe into
its account `session:<planned public id>` (first expiry first out; an open vial is finished
before the next); the dose, 0.5 mg/kg of the patient's weight to the whole mg, is
administered and the rest of the syringe wasted with the site's other nurse as witness; now
and then an unused esketamine device goes back to the safe. The safe is counted at the close
of every weekday. One count at North comes up 50 mg short and the compliance officer resolves
it the next morning with a reason and a second signature; North hands the rest of an expired
100 mg/mL lot to a reverse distributor (DEA Form 41 data); South still holds an expired
10 mg/mL lot awaiting destruction and a 50 mg/mL lot that expires within 60 days.

The year is simulated in memory first, then posted in time order through the inventory
services, one transaction per day.
"""

from __future__ import annotations

import random
import time as clock
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from kclinic.domain import ledger_model as dm
from kclinic.domain.units import round_half_up
from kclinic.web.accounts.models import Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import PlannedSession, SessionStatus
from kclinic.web.infusions.models import DoseOrder
from kclinic.web.inventory import services as inventory
from kclinic.web.inventory import services_counts as counts
from kclinic.web.inventory import services_movements as movements
from kclinic.web.inventory.models import Discrepancy, LedgerEntry, Lot, StockCount, StorageLocation
from kclinic.web.inventory.services_session_drug import movement_units
from kclinic.web.patients.models import BodyMeasurement

SAFE = "Safe A"
SUPPLIER = "Meridian Medical Supply (demo)"
REVERSE_DISTRIBUTOR = "Harbor Pharmaceutical Returns (demo reverse distributor)"
SEED = 202605
# Placeholder NDCs for the demo's ketamine vials (not real products); the esketamine device
# carries Spravato's NDC (clinical reference 7.5).
K10 = dm.ketamine_vial("00000-0110", Decimal(10), Decimal(20))  # 200 mg per vial
K50 = dm.ketamine_vial("00000-0510", Decimal(50), Decimal(10))  # 500 mg per vial
K100 = dm.ketamine_vial("00000-1005", Decimal(100), Decimal(5))  # 500 mg per vial
ESK = dm.esketamine_device()
# Ketamine is drawn in whole millilitres (half a millilitre of 100 mg/mL): the draw is the
# dose rounded up to this step, and what the patient does not get is wasted.
DRAW_STEP_MG = {K10: Decimal(10), K50: Decimal(50), K100: Decimal(50)}
MIX = {"north": (K50, K100), "south": (K50, K10)}  # the ketamine each site stocks ...
SHARE = (0.8, 0.2)  # ... and the share of its draws each takes
PREFIX = {K10: "KT", K50: "KF", K100: "KH", ESK: "SP"}  # of lot numbers
MG_PER_KG = Decimal("0.5")
NURSES = {"north": ("nurse", "nurse2"), "south": ("nurse3", "nurse4")}  # see loader.STAFF
HUB = "north"  # the one site that receives esketamine
ZERO = Decimal(0)


@dataclass(frozen=True)
class Step:
    """One ledger movement of the plan; `session` is a planned session's public id."""

    at: datetime
    kind: str  # receipt transfer dispense administer waste return destroy resolve
    site: str
    actor: str
    lot: dm.Lot
    mg: Decimal
    witness: str = ""
    session: str = ""
    to_site: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Count:
    """The close-of-day count of a site's safe: mg counted per lot."""

    at: datetime
    site: str
    actor: str
    counted: tuple[tuple[dm.Lot, Decimal], ...]
    short: bool


@dataclass(frozen=True)
class _Draw:
    """What one completed session takes from the safe."""

    at: datetime
    site: str
    session: str
    product: dm.Product
    dose_mg: Decimal
    draw_mg: Decimal
    returned_mg: Decimal
    nurse: str
    order: str = ""  # the dose order's public id, for a session run at the chair


@dataclass(frozen=True)
class LedgerLoadReport:
    sites: tuple[str, ...]
    entries: int
    counts: int
    seconds: float


def load_ledger(today: date, sites: dict[str, Site], users: dict[str, User]) -> LedgerLoadReport:
    """Post a year of ledger history up to `today` for each site that has none yet. `sites`
    is {"north": ..., "south": ...}; `users` maps the demo's usernames to users."""
    started = clock.perf_counter()
    loading = {
        code: site
        for code, site in sites.items()
        if code in NURSES and not LedgerEntry.objects.filter(site=site).exists()
    }
    if not loading:
        return LedgerLoadReport((), 0, 0, clock.perf_counter() - started)
    for code, site in loading.items():
        inventory.add_location(users[NURSES[code][0]], site, SAFE)
    by_day: dict[date, list[Step | Count]] = defaultdict(list)
    for step in _plan(today, sorted(loading), _draws(loading, users)):
        by_day[timezone.localdate(step.at)].append(step)
    post = _Poster(loading, users)
    for day in sorted(by_day):
        with transaction.atomic():
            for step in by_day[day]:
                post(step)
    return LedgerLoadReport(
        tuple(sorted(loading)),
        LedgerEntry.objects.filter(site__in=loading.values()).count(),
        StockCount.objects.filter(site__in=loading.values()).count(),
        clock.perf_counter() - started,
    )


def _draws(sites: dict[str, Site], users: dict[str, User]) -> list[_Draw]:
    """Each completed session of the sites' patients: its product, dose, draw and nurse.

    A session run at the chair (histories.py) has a dose order: the ordered dose and product
    are drawn, and the dispense names the order. The others get 0.5 mg/kg of the latest
    weight, to the whole mg. histories.py repeats the product choice below (the same seed)."""
    name_of = {user.pk: name for name, user in users.items()}
    done = PlannedSession.objects.filter(
        status=SessionStatus.COMPLETED, course__patient__site__in=sites.values()
    )
    rows = done.order_by("scheduled_at", "id").values_list(
        "public_id",
        "scheduled_at",
        "sequence",
        "course__modality",
        "course__patient_id",
        "course__patient__mrn",
        "course__patient__site__code",
        "completed_by_id",
    )
    weight = dict(  # the latest measurement of each patient
        BodyMeasurement.objects.filter(patient__site__in=sites.values())
        .order_by("measured_at")
        .values_list("patient_id", "weight_kg")
    )
    orders = {
        planned: (str(order), dose, strength)
        for planned, order, dose, strength in DoseOrder.objects.filter(
            session__planned__in=done, superseded_by__isnull=True
        ).values_list("session__planned__public_id", "public_id", "dose_mg", "vial_mg_per_ml")
    }
    draws = []
    for public_id, at, sequence, modality, patient_id, mrn, code, nurse_id in rows:
        rng = random.Random(f"{SEED}-{mrn}-{sequence}")  # the same demo on every database
        nurse = name_of.get(nurse_id, "")
        nurse = nurse if nurse in NURSES[code] else NURSES[code][0]
        order, dose, strength = orders.get(public_id, ("", None, None))
        if modality == "esketamine":
            # Day 1 is 56 mg, then 56 or 84 mg (39 % / 61 % in the long-term study, clinical
            # reference 1.7); now and then a third device is drawn and not used.
            picked = Decimal(56) if sequence == 1 or rng.random() < 0.39 else Decimal(84)
            dose = dose or picked
            spare = ESK.mg_per_unit if dose == 56 and rng.random() < 0.08 else ZERO
            used = _Draw(at, code, str(public_id), ESK, dose, dose + spare, spare, nurse, order)
            draws.append(used)
        elif patient_id in weight:
            product = rng.choices(MIX[code], SHARE)[0]
            ordered = [p for p in MIX[code] if p.concentration_mg_per_ml == strength]
            product = ordered[0] if ordered else product
            dose = dose or round_half_up(weight[patient_id] * MG_PER_KG, Decimal(1))
            draw = _ceiling(dose, DRAW_STEP_MG[product]) * DRAW_STEP_MG[product]
            draws.append(_Draw(at, code, str(public_id), product, dose, draw, ZERO, nurse, order))
    return draws


class _Plan:
    """The safes through the year; each method is one event and appends its steps."""

    def __init__(self, today: date, codes: list[str], draws: list[_Draw]) -> None:
        self.today, self.rng, self.tz = today, random.Random(SEED), timezone.get_current_timezone()
        self.hub = HUB if HUB in codes else None
        self.stock: dict[str, dict[dm.Lot, Decimal]] = {code: {} for code in codes}
        self.steps: list[Step | Count] = []
        self.numbers: set[str] = set()
        self.demand: dict[tuple[str, dm.Product], list[tuple[date, Decimal]]] = defaultdict(list)
        for draw in draws:
            self.demand[draw.site, draw.product].append((draw.at.date(), draw.draw_mg))
        first = min((d.at.date() for d in draws), default=today)
        self.start = _weekday(min(today - timedelta(days=365), first - timedelta(days=1)))
        self.short_count: tuple[str, date] | None = None  # the count that finds 50 mg missing
        self.missing: tuple[dm.Lot, Decimal] | None = None
        self.expired: dm.Lot | None = None  # North's short-dated lot, destroyed when expired

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def needed(self, code: str, product: dm.Product, first: date, last: date) -> Decimal:
        """mg the site (at the hub: every site) will draw in [first, last)."""
        sites = list(self.stock) if product is ESK and code == self.hub else [code]
        days = (self.demand[site, product] for site in sites)
        return sum((mg for each in days for day, mg in each if first <= day < last), ZERO)

    def usable(self, code: str, product: dm.Product, on: date) -> Decimal:
        """mg of the product held at the site in lots not expired on `on`."""
        held = self.stock[code].items()
        return sum(
            (mg for lot, mg in held if lot.product is product and lot.expiry_date >= on), ZERO
        )

    def receive(
        self, code: str, when: datetime, items: list[tuple[dm.Product, int, date]], tag: str = ""
    ) -> list[dm.Lot]:
        lots = []
        for product, units, expiry in items:
            while (number := f"{PREFIX[product]}{self.rng.randint(10000, 99999)}") in self.numbers:
                pass
            self.numbers.add(number)
            lot, mg = dm.Lot(product, number, expiry), product.mg_per_unit * units
            self.stock[code][lot] = mg
            lots.append(lot)
            invoice = f"INV-{code.upper()}-{when:%y%m%d}{tag}"
            self.steps.append(
                Step(when, "receipt", code, NURSES[code][0], lot, mg, reference=invoice)
            )
        return lots

    def take(
        self, code: str, product: dm.Product, when: datetime, mg: Decimal
    ) -> list[tuple[dm.Lot, Decimal]]:
        """Draw `mg`, first expiry first out, after an urgent delivery (esketamine: an
        urgent transfer from the hub) if the safe holds too little."""
        if self.usable(code, product, when.date()) < mg:
            units = int(_ceiling(mg, product.mg_per_unit)) + 1
            source = self.hub if product is ESK and self.hub not in (None, code) else code
            if source is not None and self.usable(source, product, when.date()) < mg:
                self.receive(
                    source, when, [(product, units, when.date() + timedelta(days=540))], "-U"
                )
            if source != code and source is not None:
                self.move(source, code, when, product, mg)
        pieces = []
        stock = self.stock[code]
        for lot in sorted(stock, key=lambda lot: (lot.expiry_date, lot.lot_number)):
            part = min(stock[lot], mg)
            if lot.product is product and lot.expiry_date >= when.date() and part > 0:
                stock[lot] -= part
                mg -= part
                pieces.append((lot, part))
        return pieces

    def move(
        self, source: str, target: str, when: datetime, product: dm.Product, mg: Decimal
    ) -> None:
        for lot, part in self.take(source, product, when, mg):
            self.stock[target][lot] = self.stock[target].get(lot, ZERO) + part
            self.steps.append(
                Step(when, "transfer", source, "prescriber", lot, part, to_site=target)
            )

    def order(self, code: str, day: date, until: date) -> None:
        """One invoice: each product topped up to 1.25 x what will be drawn until `until`,
        and to at least two units (a par level, for a small demo)."""
        items = []
        for product in (*MIX[code], ESK) if self.hub in (None, code) else MIX[code]:
            want = max(
                self.needed(code, product, day, until) * Decimal("1.25"), 2 * product.mg_per_unit
            )
            short = want - self.usable(code, product, until + timedelta(days=1))
            if short > 0:
                expiry = day + timedelta(days=self.rng.randint(480, 720))
                items.append((product, int(_ceiling(short, product.mg_per_unit)), expiry))
        self.receive(code, self.at(day, 8), items)

    def top_up(self, code: str, day: date, until: date) -> None:
        """The hub sends the esketamine devices the site will draw until `until`."""
        assert self.hub is not None
        short = self.needed(code, ESK, day, until) * Decimal("1.25") - self.usable(code, ESK, until)
        devices = min(short, self.usable(self.hub, ESK, day)) // ESK.mg_per_unit
        if devices > 0:
            self.move(self.hub, code, self.at(day, 8, 30), ESK, devices * ESK.mg_per_unit)

    def short_dated(
        self, code: str, product: dm.Product, day: date, expiry: date, spare: int
    ) -> None:
        """A short-dated delivery, sized to leave about `spare` mg when it expires."""
        mg = self.needed(code, product, day, min(expiry, self.today)) + spare
        units = int(_ceiling(mg, product.mg_per_unit))
        (lot,) = self.receive(code, self.at(day, 7, 45), [(product, units, expiry)], "-S")
        if code == HUB:
            self.expired = lot

    def count(self, code: str, day: date) -> None:
        held = {lot: mg for lot, mg in self.stock[code].items() if mg > 0}
        short = (code, day) == self.short_count and bool(held)
        if short:  # the one discrepancy: a millilitre (50 mg) of a 50 mg/mL lot is missing
            lot = max(held, key=lambda lot: (lot.product is K50, held[lot]))
            self.missing = (lot, min(Decimal(50), held[lot]))
            held[lot] -= self.missing[1]
        counted = tuple(sorted(held.items(), key=lambda item: item[0].lot_number))
        self.steps.append(Count(self.at(day, 18), code, NURSES[code][0], counted, short))

    def resolve(self, code: str, day: date) -> None:
        if self.missing is not None:
            lot, mg = self.missing
            self.stock[code][lot] -= mg
            self.steps.append(
                Step(self.at(day, 8, 15), "resolve", code, "compliance", lot, mg, "prescriber")
            )

    def destroy(self, code: str, day: date) -> None:
        lot = self.expired
        if lot is not None and self.stock[code].get(lot, ZERO) > 0:
            mg, self.stock[code][lot] = self.stock[code][lot], ZERO
            self.steps.append(
                Step(self.at(day, 11), "destroy", code, "compliance", lot, mg, NURSES[code][0])
            )

    def session(self, draw: _Draw) -> list[tuple[datetime, Callable[[], None]]]:
        """Dispense at the start; the dose is given over the next 45 min; 5 min later the
        rest of the syringe is wasted (witnessed) or an unused device returned."""
        start, given_at, end = (draw.at + timedelta(minutes=m) for m in (5, 50, 55))
        first, second = NURSES[draw.site]
        witness = first if draw.nurse == second else second
        parts: list[tuple[dm.Lot, Decimal, Decimal, Decimal]] = []  # lot, given, back, waste

        def step(at: datetime, kind: str, lot: dm.Lot, mg: Decimal, witness: str = "") -> None:
            order = draw.order if kind == "dispense" else ""
            self.steps.append(
                Step(at, kind, draw.site, draw.nurse, lot, mg, witness, draw.session, "", order)
            )

        def dispense() -> None:
            dose, back = draw.dose_mg, draw.returned_mg
            for lot, mg in self.take(draw.site, draw.product, start, draw.draw_mg):
                given = min(mg, dose)
                returned = min(mg - given, back)
                dose, back = dose - given, back - returned
                wasted = mg - given - returned
                parts.append((lot, given, returned, wasted))
                step(start, "dispense", lot, mg)

        def administer() -> None:
            for lot, given, _, _ in parts:
                if given:
                    step(given_at, "administer", lot, given)

        def dispose() -> None:
            for lot, _, returned, wasted in parts:
                if wasted:
                    step(end, "waste", lot, wasted, witness)
                if returned:
                    self.stock[draw.site][lot] += returned
                    step(end, "return", lot, returned)

        return [(start, dispense), (given_at, administer), (end, dispose)]


def _plan(today: date, codes: list[str], draws: list[_Draw]) -> list[Step | Count]:
    """Every step of the year in time order (the events run in time order)."""
    plan = _Plan(today, codes, draws)
    events: list[tuple[datetime, int, Callable[[], None]]] = []

    def add(when: datetime, action: Callable[..., None], *args: object) -> None:
        events.append((when, len(events), partial(action, *args)))

    for code in codes:
        day = plan.start
        while day < today:  # deliveries every three to five weeks
            following = _weekday(day + timedelta(days=plan.rng.randint(21, 35)))
            until = following + timedelta(days=14)
            add(plan.at(day, 8), plan.order, code, day, until)
            for other in set(codes) - {code} if code == plan.hub else ():
                add(plan.at(day, 8, 30), plan.top_up, other, day, until)
            day = following
        for back in range((today - plan.start).days, 0, -1):  # the close of every weekday
            day = today - timedelta(days=back)
            if day.weekday() < 5:
                add(plan.at(day, 18), plan.count, code, day)
    for draw in draws:
        for when, action in plan.session(draw):
            add(when, action)

    def short_dated(code: str, product: dm.Product, ago: int, expires_in: int, spare: int) -> None:
        day, expiry = _weekday(today - timedelta(days=ago)), today + timedelta(days=expires_in)
        add(plan.at(day, 7, 45), plan.short_dated, code, product, day, expiry, spare)

    if "north" in codes:
        short_dated("north", K100, 200, -120, 1000)  # what is left goes for destruction ...
        destroyed = _weekday(today - timedelta(days=111))  # ... nine days after expiry
        add(plan.at(destroyed, 11), plan.destroy, "north", destroyed)
        plan.short_count = ("north", _weekday(today - timedelta(days=97)))
        resolved = _weekday(plan.short_count[1] + timedelta(days=1))
        add(plan.at(resolved, 8, 15), plan.resolve, "north", resolved)
    if "south" in codes:
        short_dated("south", K10, 150, -12, 400)  # expired, awaiting destruction
        short_dated("south", K50, 21, 45, 1500)  # expires within 60 days
    for _, _, action in sorted(events, key=lambda event: event[:2]):
        action()
    return plan.steps


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _ceiling(mg: Decimal, step: Decimal) -> Decimal:
    return (mg / step).to_integral_value(rounding=ROUND_CEILING)


class _Poster:
    """Posts each planned step through the inventory services.

    Stock movements, counts and the discrepancy go through the services a request would
    call. The session movements are posted with `post_entry` itself: their services work on
    a chair-side session with a dose order, and the demo's planned sessions were completed
    without one (the ledger account is the same, `session:<planned public id>`).
    """

    def __init__(self, sites: dict[str, Site], users: dict[str, User]) -> None:
        from kclinic.web.demo.loader import PASSWORD  # here: the loader imports this module

        self.password, self.users = PASSWORD, users
        self.safes = {
            code: StorageLocation.objects.select_related("site").get(site=site, name=SAFE)
            for code, site in sites.items()
        }
        self.lots: dict[str, Lot] = {}  # stored lots by lot number
        self.short: StockCount | None = None

    def __call__(self, step: Step | Count) -> None:
        actor = Actor(self.users[step.actor])
        key = f"demo-{step.site}-{step.at:%Y%m%d%H%M}"
        if isinstance(step, Count):
            counted = {self.lots[lot.lot_number]: _units(lot, mg) for lot, mg in step.counted}
            count = counts.record_count(
                actor,
                self.safes[step.site],
                counted,
                idempotency_key=f"{key}-count",
                at=step.at,
                purpose=StockCount.Purpose.DAILY,
                business_time=StockCount.BusinessTime.CLOSE,
            )
            self.short = count if step.short else self.short
            return
        key = f"{key}-{step.kind}-{step.session}-{step.lot.lot_number}".replace("--", "-")
        units = _units(step.lot, step.mg)
        safe, lot = self.safes[step.site], self.lots.get(step.lot.lot_number)
        if step.kind == "receipt":
            product, number, expiry = step.lot.product, step.lot.lot_number, step.lot.expiry_date
            row = movements.receive(
                actor, safe, product, number, expiry, units, SUPPLIER, step.reference,
                idempotency_key=key, at=step.at,
            )  # fmt: skip
            self.lots[number] = row.lot
        elif step.kind == "transfer" and lot is not None:
            movements.transfer(
                actor, safe, self.safes[step.to_site], lot, units, idempotency_key=key, at=step.at
            )
        elif step.kind == "destroy" and lot is not None:
            movements.destroy(
                actor, step.witness, self.password, safe, lot, units,
                "Expired: handed to a reverse distributor for destruction by incineration",
                idempotency_key=key, reverse_distributor=REVERSE_DISTRIBUTOR,
                form_number=f"RD-{step.at:%y%m%d}-1", at=step.at,
            )  # fmt: skip
        elif step.kind == "resolve":
            counts.resolve_discrepancy(
                actor,
                Discrepancy.objects.get(count=self.short),
                f"Count {step.mg} mg short on lot {step.lot.lot_number}: a drawn 1 mL syringe "
                "was dropped and discarded without a witnessed waste record. Reviewed with the "
                "staff on shift, no diversion suspected, waste procedure re-briefed; ledger "
                "adjusted to the count.",
                step.witness,
                self.password,
                at=step.at,
                idempotency_key=key,
            )
        else:
            self._session(step, key)

    def _units_out(self, source: str, step: Step) -> Decimal:
        lot = Lot.objects.get(product__ndc=step.lot.product.ndc, lot_number=step.lot.lot_number)
        return movement_units(step.lot.product, source, lot, step.mg)

    def _session(self, step: Step, key: str) -> None:
        user, safe = self.users[step.actor], self.safes[step.site].account
        account = dm.session_account(step.session)
        source, destination, kind = {
            "dispense": (safe, account, dm.EntryKind.DISPENSE),
            "administer": (account, dm.ADMINISTERED, dm.EntryKind.ADMINISTRATION),
            "waste": (account, dm.WASTE, dm.EntryKind.WASTE),
            "return": (account, safe, dm.EntryKind.RETURN),
        }[step.kind]
        entry = dm.Entry(
            idempotency_key=key,
            kind=kind,
            at=step.at,
            site_id=step.site,
            lot=step.lot,
            source=source,
            destination=destination,
            quantity_mg=step.mg,
            quantity_units=self._units_out(source, step),
            actor=inventory.person_for(user),
            witness=inventory.person_for(self.users[step.witness]) if step.witness else None,
            reference=step.reference or f"planned session {step.session}"
            if step.kind == "dispense"
            else "",
        )
        inventory.post_entry(user, entry, step.at)


def _units(lot: dm.Lot, mg: Decimal) -> Decimal:
    """Vials (to 4 decimals) or whole devices holding `mg` of the lot."""
    return (mg / lot.product.mg_per_unit).normalize()
