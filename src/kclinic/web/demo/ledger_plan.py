"""The demo ledger's year, simulated in memory (ledger.py posts it through the services).

Each site's safe is followed through the year: deliveries every three to five weeks, the
hub's esketamine transfers, every session's dispense, administration and waste or return,
the close-of-day counts, the one short count and its resolution, and the short-dated lots.
The result is a list of steps and counts in time order.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import partial

from django.utils import timezone

from kclinic.domain import ledger_model as dm

SEED = 202605
# Placeholder NDCs for the demo's ketamine vials (not real products); the esketamine device
# carries Spravato's NDC (clinical reference 7.5).
K10 = dm.ketamine_vial("00000-0110", Decimal(10), Decimal(20))  # 200 mg per vial
K50 = dm.ketamine_vial("00000-0510", Decimal(50), Decimal(10))  # 500 mg per vial
K100 = dm.ketamine_vial("00000-1005", Decimal(100), Decimal(5))  # 500 mg per vial
ESK = dm.esketamine_device()
MIX = {"north": (K50, K100), "south": (K50, K10)}  # the ketamine each site stocks ...
SHARE = (0.8, 0.2)  # ... and the share of its draws each takes
PREFIX = {K10: "KT", K50: "KF", K100: "KH", ESK: "SP"}  # of lot numbers
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
class Draw:
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


class _Plan:
    """The safes through the year; each method is one event and appends its steps."""

    def __init__(self, today: date, codes: list[str], draws: list[Draw]) -> None:
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
            units = int(ceiling(mg, product.mg_per_unit)) + 1
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
                items.append((product, int(ceiling(short, product.mg_per_unit)), expiry))
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
        units = int(ceiling(mg, product.mg_per_unit))
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

    def session(self, draw: Draw) -> list[tuple[datetime, Callable[[], None]]]:
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


def plan_year(today: date, codes: list[str], draws: list[Draw]) -> list[Step | Count]:
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


def ceiling(mg: Decimal, step: Decimal) -> Decimal:
    return (mg / step).to_integral_value(rounding=ROUND_CEILING)
