"""What every ledger service shares: reading quantities and times at the edge, turning stored
rows back into domain values, finding lots and locations, and checking a second person's
signature (a witness or second signer who types their own username and password on the same
device). The one write is `post_movement`, which hands a movement to `post_entry`."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from django.utils import timezone

from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Site, User
from kclinic.web.audit.services import Actor, record
from kclinic.web.inventory.models import LedgerEntry, Lot, Product, StorageLocation
from kclinic.web.inventory.services import LICENSED_ROLES, person_for, post_entry

# Quantities are kept to 4 decimal places (the columns' scale and the units rounding step).
_PLACES = 4


def quantity(
    field: str, value: object, unit: str, *, whole: bool = False, zero: bool = False
) -> Decimal:
    """`value` (a Decimal, int or text such as "12.5") as a Decimal greater than 0 (or equal
    to 0 with `zero`, for counts).

    Anything else (negative, zero, not a number, more than 4 decimals, a fraction where
    whole units are required) raises ValidationError naming `field`."""
    bound = "0 or more" if zero else "greater than 0"
    allowed = f"a whole number of {unit} {bound}" if whole else f"{unit} {bound}"
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValidationError(field, value, allowed)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(field, value, allowed) from None
    if not number.is_finite() or number < 0 or (number == 0 and not zero):
        raise ValidationError(field, value, allowed)
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if whole and places:
        raise ValidationError(field, value, allowed)
    if places > _PLACES:
        raise ValidationError(field, value, f"{allowed}, at most {_PLACES} decimal places")
    return number


def moment(at: datetime | None) -> datetime:
    """When the movement happened: `at` (for records made after the fact and for scripts) or
    now. A time in the future, or without a time zone, is refused."""
    now = timezone.now()
    if at is None:
        return now
    if at.utcoffset() is None:
        raise ValidationError("at", at.isoformat(), "a date and time with a time zone")
    if at > now:
        raise ValidationError("at", at.isoformat(), f"not after now ({now.isoformat()})")
    return at


def text(field: str, value: object, what: str, max_length: int = 120) -> str:
    """A required free text (supplier, invoice, reason...), stripped, at most `max_length`."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, f"{what} (a non-empty text)")
    if len(value.strip()) > max_length:
        raise ValidationError(field, value, f"{what}, at most {max_length} characters")
    return value.strip()


def require_key(idempotency_key: str) -> str:
    """The caller's idempotency key: 1 to 120 characters, no surrounding blanks."""
    if not isinstance(idempotency_key, str) or not idempotency_key.strip():
        raise ValidationError("idempotency_key", idempotency_key, "a non-empty text")
    if len(idempotency_key) > 120 or idempotency_key != idempotency_key.strip():
        raise ValidationError(
            "idempotency_key", idempotency_key, "1 to 120 characters without surrounding blanks"
        )
    return idempotency_key


def domain_product(row: Product) -> dm.Product:
    """The domain product of a stored one (its source follows its form)."""
    source = dm.OPENFDA_SPRAVATO_NDC if row.form == "nasal_device" else dm.OPENFDA_KETAMINE_NDC
    return dm.Product(
        ndc=row.ndc,
        name=row.name,
        form="nasal_device" if row.form == "nasal_device" else "vial",
        mg_per_unit=row.mg_per_unit,
        schedule=row.schedule,
        source=source,
        concentration_mg_per_ml=row.concentration_mg_per_ml,
        volume_ml=row.volume_ml,
    )


def domain_lot(row: Lot) -> dm.Lot:
    return dm.Lot(domain_product(row.product), row.lot_number, row.expiry_date)


def post_movement(
    user: User,
    site: Site,
    lot: Lot,
    kind: dm.EntryKind,
    source: str,
    destination: str,
    mg: Decimal,
    units: Decimal,
    key: str,
    when: datetime,
    *,
    witness: User | None = None,
    reason: str = "",
    counterparty: str = "",
    reference: str = "",
    discovered_at: datetime | None = None,
) -> LedgerEntry:
    """Post one movement of `lot` at `site` (its checks done by the calling service)."""
    entry = dm.Entry(
        idempotency_key=key,
        kind=kind,
        at=when,
        site_id=site.code,
        lot=domain_lot(lot),
        source=source,
        destination=destination,
        quantity_mg=mg,
        quantity_units=units,
        actor=person_for(user),
        witness=person_for(witness) if witness else None,
        reference=reference,
        counterparty=counterparty,
        reason=reason,
        discovered_at=discovered_at,
    )
    return post_entry(user, entry, when)


def lot_row(value: Lot | uuid.UUID | str, field: str = "lot") -> Lot:
    """A stored lot, given as itself or as its public id."""
    if isinstance(value, Lot):
        return value
    found = Lot.objects.select_related("product").filter(public_id=_uuid(field, value)).first()
    if found is None:
        raise ValidationError(field, str(value), "the public id of a received lot")
    return found


def location_row(
    value: StorageLocation | uuid.UUID | str, field: str = "location"
) -> StorageLocation:
    if isinstance(value, StorageLocation):
        return value
    found = (
        StorageLocation.objects.select_related("site").filter(public_id=_uuid(field, value)).first()
    )
    if found is None:
        raise ValidationError(field, str(value), "the public id of a storage location")
    return found


def entry_row(value: LedgerEntry | uuid.UUID | str, field: str = "entry") -> LedgerEntry:
    if isinstance(value, LedgerEntry):
        return value
    found = LedgerEntry.objects.filter(public_id=_uuid(field, value)).first()
    if found is None:
        raise ValidationError(field, str(value), "the public id of a ledger entry")
    return found


def _uuid(field: str, value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(field, value, "a public id (UUID)") from None


def cosigner(
    actor: Actor,
    who: User | str,
    password: str,
    site: Site,
    *,
    field: str,
    request: HttpRequest | None = None,
) -> User:
    """The second person (witness or second signer), after checking their password.

    They must be an active, licensed member of staff of `site` other than the actor. Those
    checks come first so that a signature bound to fail spends no password attempt. With a
    request, the password goes through the sign-in backends (failed attempts count towards
    the lockout, django-axes); without one (scripts), it is checked directly. A wrong
    password is recorded in the audit trail; nothing else is written."""
    user = actor.signed_in()
    if isinstance(who, User):
        other: User | None = who
    else:
        name = who.strip() if isinstance(who, str) else ""
        if not name:
            raise ValidationError(f"{field}_username", who, "the username of a second person")
        other = User.objects.filter(username=name).first()
    if other is None or not other.is_active or not other.sites.filter(pk=site.pk).exists():
        shown = other.username if other else who
        raise ValidationError(
            f"{field}_username", shown, f"an active member of staff of site {site.code}"
        )
    if other.pk == user.pk:
        raise ValidationError(
            f"{field}_username", other.username, f"a person other than {user.username}"
        )
    if other.role not in LICENSED_ROLES:
        raise ValidationError(
            f"{field}_username", other.username, "a licensed clinician (prescriber or nurse)"
        )
    if not _password_ok(other, password, request):
        record(
            actor,
            "inventory_signature_refused",
            object_type="user",
            object_id=other.public_id,
            detail={"as": field, "site": site.code},
        )
        raise ValidationError(
            f"{field}_password", "(not shown)", f"the sign-in password of {other.username}"
        )
    return other


def _password_ok(user: User, password: str, request: HttpRequest | None) -> bool:
    if not isinstance(password, str) or not password:
        return False
    if request is None:
        return user.check_password(password)
    # Imported here: the notes app's sign-in check, with lockout, is reused as it is.
    from kclinic.web.notes.signing import ReauthenticationError, reauthenticate

    try:
        reauthenticate(request, user, password)
    except ReauthenticationError:
        return False
    return True


def replay(
    key: str,
    kind: dm.EntryKind,
    lot: Lot | None,
    source: str,
    destination: str,
    quantity_mg: Decimal,
    user: User,
) -> LedgerEntry | None:
    """The entry an earlier request under `key` posted, if it is this same movement (a
    retry: returned with `replayed` set, before any check that the first post changed the
    answer to); None for a new key; ValidationError for a key used for something else."""
    previous = LedgerEntry.objects.filter(idempotency_key=key).first()
    if previous is None:
        return None
    same = (
        previous.kind == kind.value
        and lot is not None
        and previous.lot_id == lot.pk
        and previous.source == source
        and previous.destination == destination
        and previous.quantity_mg == quantity_mg
        and previous.actor_id == user.pk
    )
    if not same:
        raise ValidationError(
            "idempotency_key",
            key,
            "a new key, or the same key with the identical movement",
            "this key was already used for a different entry",
        )
    previous.replayed = True
    return previous


def new_product(
    form: str, ndc: str, concentration_mg_per_ml: object, volume_ml: object
) -> dm.Product:
    """A product not received before, from the receive form: a ketamine vial (NDC,
    10/50/100 mg/mL, volume) or an esketamine device (NDC, 28 mg each)."""
    code = text("ndc", ndc, "the product's NDC from its package", 20)
    if form == "nasal_device":
        return dm.esketamine_device(code)
    if form != "vial":
        raise ValidationError("product", form, "vial or nasal_device")
    strength = quantity("concentration_mg_per_ml", concentration_mg_per_ml, "mg/mL")
    volume = quantity("volume_ml", volume_ml, "mL")
    return dm.ketamine_vial(code, strength, volume)
