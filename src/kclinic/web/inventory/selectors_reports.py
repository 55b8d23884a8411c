"""The controlled-substance reports as tables (kclinic.domain.ledger_reports), read from the
stored ledger of the sites the user may report on. Pages, CSV and PDF all render these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from kclinic.domain import ledger as rules
from kclinic.domain import ledger_model as dm
from kclinic.domain import ledger_reports as reports
from kclinic.domain.ledger_forms import form41_record, form106_record
from kclinic.web.accounts.models import Site, User
from kclinic.web.accounts.policy import Action
from kclinic.web.courses.models import PlannedSession
from kclinic.web.inventory.models import LedgerEntry, Lot, Registrant, StockCount
from kclinic.web.inventory.selectors_stock import sites_for
from kclinic.web.inventory.services import entry_from_content
from kclinic.web.inventory.services_support import domain_lot
from kclinic.web.patients.models import Patient

# A report over an optional period (form41_report, form106_report, ledger_report).
PeriodReport = Callable[[User, date | None, date | None], reports.Table]


def registrant_of(site: Site | None) -> reports.Registrant | None:
    row = Registrant.objects.filter(site=site).first() if site is not None else None
    if row is None:
        return None
    return reports.Registrant(row.name, row.dea_number, row.address)


def _only_site(sites: list[Site]) -> Site | None:
    return sites[0] if len(sites) == 1 else None


def _domain(rows: list[LedgerEntry]) -> list[dm.Entry]:
    lots: dict[int, dm.Lot] = {}
    result = []
    for row in rows:
        if row.lot_id not in lots:
            lots[row.lot_id] = domain_lot(row.lot)
        result.append(entry_from_content(row.content, lots[row.lot_id]))
    return result


def perpetual_report(user: User, lot: Lot) -> reports.Table:
    """Every movement of `lot` at the user's sites, with the running on-hand mg in storage."""
    sites = sites_for(user, Action.INVENTORY_REPORTS)
    rows = list(
        LedgerEntry.objects.filter(lot=lot, site__in=sites)
        .select_related("lot__product")
        .order_by("id")
    )
    domain = domain_lot(lot)
    ledger = rules.Ledger(tuple(_domain(rows)))
    label = (
        f"{lot.product.name}, NDC {lot.product.ndc}, lot {lot.lot_number} (exp {lot.expiry_date})"
    )
    return reports.perpetual_table(
        label, rules.perpetual_inventory(ledger, domain), registrant_of(_only_site(sites))
    )


def inventory_report(count: StockCount) -> reports.Table:
    """A count as a DEA inventory: each product and lot counted, with its finished form."""
    header = reports.InventoryHeader(
        kind=count.get_purpose_display(),
        taken_at=timezone.localtime(count.counted_at),
        business_time=count.get_business_time_display() if count.business_time else "",
        taken_by=count.counted_by.signature_name,
    )
    items = []
    for line in count.lines.select_related("lot__product").order_by("lot__product__name", "id"):
        product = line.lot.product
        strength = (
            f"{_n(product.concentration_mg_per_ml)} mg/mL, {_n(product.volume_ml)} mL vial"
            if product.concentration_mg_per_ml is not None and product.volume_ml is not None
            else f"{_n(product.mg_per_unit)} mg per device"
        )
        items.append(
            reports.InventoryItem(
                product=product.name,
                ndc=product.ndc,
                strength=strength,
                dosage_form=product.get_form_display(),
                lot_number=line.lot.lot_number,
                location=count.location.account,
                units=line.counted_units,
                mg=line.counted_mg,
            )
        )
    return reports.inventory_table(header, items, registrant_of(count.site))


def _period(start: date | None, end: date | None) -> Q:
    query = Q()
    zone = timezone.get_current_timezone()
    if start is not None:
        query &= Q(at__gte=datetime.combine(start, time.min, zone))
    if end is not None:
        query &= Q(at__lt=datetime.combine(end + timedelta(days=1), time.min, zone))
    return query


def _entries(user: User, kind: str, start: date | None, end: date | None) -> QuerySet[LedgerEntry]:
    sites = sites_for(user, Action.INVENTORY_REPORTS)
    return (
        LedgerEntry.objects.filter(_period(start, end), site__in=sites, kind=kind)
        .select_related("lot__product", "actor", "witness", "site")
        .order_by("at", "id")
    )


def form41_report(user: User, start: date | None = None, end: date | None = None) -> reports.Table:
    rows = list(_entries(user, "destruction", start, end))
    people = {str(u.public_id): u.signature_name for r in rows for u in (r.actor, r.witness) if u}
    records = [
        replace(
            record,
            first_witness=people.get(record.first_witness, record.first_witness),
            second_witness=people.get(record.second_witness, record.second_witness),
        )
        for record in (form41_record(entry) for entry in _domain(rows))
    ]
    return reports.form41_table(
        records, registrant_of(_only_site(sites_for(user, Action.INVENTORY_REPORTS)))
    )


def form106_report(user: User, start: date | None = None, end: date | None = None) -> reports.Table:
    rows = list(_entries(user, "loss", start, end))
    records = [form106_record(entry) for entry in _domain(rows)]
    return reports.form106_table(
        records, registrant_of(_only_site(sites_for(user, Action.INVENTORY_REPORTS)))
    )


def dispensing_log(patient: Patient) -> reports.Table:
    """Every mg drawn for the patient's sessions and where it went, oldest first."""
    # Keyed by the planned session: a chair-side session shares its public id, and sessions
    # documented before the chair-side record existed have only the booking.
    sessions = {
        dm.session_account(str(s.public_id)): s
        for s in PlannedSession.objects.filter(course__patient=patient)
    }
    rows = (
        LedgerEntry.objects.filter(Q(source__in=sessions) | Q(destination__in=sessions))
        .select_related("lot__product", "actor", "witness")
        .order_by("at", "id")
    )
    lines = []
    for row in rows:
        account = row.destination if row.destination in sessions else row.source
        visit = sessions[account]
        lines.append(
            reports.DispensingRow(
                at=timezone.localtime(row.at),
                session=f"{visit.scheduled_at:%Y-%m-%d} #{visit.sequence}",
                kind=row.kind,
                product=row.lot.product.name,
                lot_number=row.lot.lot_number,
                quantity_mg=row.quantity_mg,
                quantity_units=row.quantity_units,
                by=row.actor.signature_name,
                witness=row.witness.signature_name if row.witness else "",
                dose_order=row.reference if row.kind == "dispense" else "",
            )
        )
    label = f"{patient.family_name.upper()}, {patient.given_name} (MRN {patient.mrn})"
    return reports.dispensing_table(label, lines, registrant_of(patient.site))


def ledger_report(user: User, start: date | None = None, end: date | None = None) -> reports.Table:
    """Every entry of the user's sites in the period with its hash: the inspector's export."""
    sites = sites_for(user, Action.INVENTORY_REPORTS)
    rows = (
        LedgerEntry.objects.filter(_period(start, end), site__in=sites)
        .select_related("site", "lot__product", "actor", "witness")
        .order_by("site__code", "seq")
    )
    return reports.Table(
        title="Controlled-substance ledger",
        facts=(
            ("Sites", ", ".join(s.code for s in sites)),
            ("Period", f"{start or 'start'} to {end or 'today'}"),
        ),
        columns=(
            "Site",
            "Seq",
            "Date and time",
            "Kind",
            "NDC",
            "Lot",
            "From",
            "To",
            "mg",
            "Units",
            "By",
            "Witness",
            "Reference",
            "Reason",
            "Hash",
            "Previous hash",
        ),
        rows=tuple(
            (
                r.site.code,
                str(r.seq),
                f"{timezone.localtime(r.at):%Y-%m-%d %H:%M}",
                r.kind,
                r.lot.product.ndc,
                r.lot.lot_number,
                r.source,
                r.destination,
                _n(r.quantity_mg),
                _n(r.quantity_units),
                r.actor.username,
                r.witness.username if r.witness else "",
                r.reference,
                r.reason,
                r.hash,
                r.prev_hash,
            )
            for r in rows
        ),
        notes=(
            "Each hash is SHA-256 of the previous hash and the entry's canonical content; "
            "`kclinic ledger verify` recomputes them.",
        ),
    )


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")
