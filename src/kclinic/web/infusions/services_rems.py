"""The SPRAVATO REMS Patient Monitoring Form of an esketamine session (reference 3.6).

The form (kclinic.domain.rems.PatientMonitoringForm) is filled from the session wherever the
session holds the answer: patient, treatment date, dose, device lot, first device, monitoring
minutes, the three blood pressures, sedation (MOAA/S), dissociation (CADSS) and respiratory
depression (SpO2/RR). Those fields are fixed: they follow the session data and are refreshed
on every save. The clinician fills the rest (monitoring HCP, setting, acceptable vitals,
concomitant medicines suggested from the medication list, which a clinician must confirm).
`complete_rems` is refused while the core's `check_form` reports anything; a completed form
is locked; `mark_submitted` records when and under which reference it reached the REMS.
`RemsForm.data` holds the form's fields as JSON plus `medications_confirmed` and `derived`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from kclinic.domain import rems
from kclinic.domain.errors import ValidationError
from kclinic.domain.monitoring import predose_check
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.infusions.models import Discharge, InfusionSession, RemsForm
from kclinic.web.infusions.policies import vital_policy
from kclinic.web.infusions.services_discharge import (
    baseline_vitals,
    dosing_times,
    session_scales,
)
from kclinic.web.infusions.services_monitoring import domain_reading
from kclinic.web.infusions.services_record import active_order

FIELDS = tuple(f.name for f in fields(rems.PatientMonitoringForm) if f.name != "form_version")
BP_FIELDS = ("bp_before_administration", "bp_40_min", "bp_before_completion")
INT_FIELDS = ("dose_mg", "total_monitoring_minutes", "ready_to_leave_minutes")
MEDICATION_FIELDS = (
    "takes_benzodiazepines",
    "takes_non_benzodiazepine_sedative_hypnotics",
    "takes_psychostimulants",
    "takes_maois",
)
BOOL_FIELDS = (
    *MEDICATION_FIELDS,
    "vitals_acceptable_before_administration",
    "vitals_acceptable_before_completion",
    "sedation",
    "dissociation",
    "respiratory_depression",
)
# Only ever taken from the session: a form cannot claim a reading or a time nobody recorded.
SESSION_ONLY = frozenset(
    {"treatment_date", "first_device_at", "total_monitoring_minutes", "dose_mg", *BP_FIELDS}
)
# Filled from the session when it holds the answer; the clinician answers otherwise.
DERIVABLE = frozenset(
    {
        "patient_first_name",
        "patient_last_name",
        "patient_birthdate",
        "patient_sex",
        "lot_number",
        "sedation",
        "dissociation",
        "respiratory_depression",
    }
)
# Suggestions only (generic names, general knowledge, unverified): the clinician confirms the
# four answers against what the patient actually takes.
MEDICATION_NAMES: Mapping[str, tuple[str, ...]] = {
    "takes_benzodiazepines": (
        "alprazolam", "chlordiazepoxide", "clobazam", "clonazepam", "clorazepate", "diazepam",
        "estazolam", "flurazepam", "lorazepam", "midazolam", "oxazepam", "temazepam",
        "triazolam",
    ),
    "takes_non_benzodiazepine_sedative_hypnotics": (
        "zolpidem", "zaleplon", "eszopiclone", "zopiclone",
    ),
    "takes_psychostimulants": (
        "amphetamine", "dextroamphetamine", "lisdexamfetamine", "methamphetamine",
        "methylphenidate", "dexmethylphenidate", "modafinil", "armodafinil",
    ),
    "takes_maois": (
        "phenelzine", "tranylcypromine", "isocarboxazid", "selegiline", "rasagiline",
        "moclobemide",
    ),
}  # fmt: skip


def _to_json(value: object) -> object:
    if isinstance(value, rems.BloodPressure):
        return {"sbp_mmhg": value.sbp_mmhg, "dbp_mmhg": value.dbp_mmhg, "at": value.at.isoformat()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _from_json(name: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    try:
        if name in BP_FIELDS:
            return rems.BloodPressure(
                int(raw["sbp_mmhg"]), int(raw["dbp_mmhg"]), datetime.fromisoformat(raw["at"])
            )
        if name == "first_device_at":
            return datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        if name in ("patient_birthdate", "treatment_date"):
            return date.fromisoformat(raw) if isinstance(raw, str) else raw
    except (KeyError, TypeError, ValueError):
        raise ValidationError(name, raw, "a value of the form's type") from None
    if name in INT_FIELDS:
        if isinstance(raw, bool) or not str(raw).strip().isdigit():
            raise ValidationError(name, raw, "a whole number of minutes or mg, 0 or more")
        return int(str(raw).strip())
    if name in BOOL_FIELDS:
        if not isinstance(raw, bool):
            raise ValidationError(name, raw, "yes (true) or no (false)")
        return raw
    text = " ".join(str(raw).split())
    if len(text) > 200:
        raise ValidationError(name, f"{len(text)} characters", "at most 200 characters")
    return text


def form_of(data: Mapping[str, Any]) -> rems.PatientMonitoringForm:
    """The core's form from stored JSON."""
    values = {name: _from_json(name, data.get(name)) for name in FIELDS}
    return rems.PatientMonitoringForm(
        **values, form_version=str(data.get("form_version") or rems.FORM_VERSION)
    )


def check_esketamine(session: InfusionSession) -> None:
    if session.modality != "esketamine":
        raise ValidationError(
            "modality", session.modality, "esketamine (the REMS form is for esketamine sessions)"
        )


def _post_dose_flags(session: InfusionSession, start: datetime) -> dict[str, bool | None]:
    """Sedation: any MOAA/S below 5 after the first device (the label counts MOAA/S 4 as
    sedation). Dissociation: any CADSS total after the first device above the pre-dose total
    (or above 0 without one): kclinic policy, the clinician sees the scores. Respiratory
    depression: any post-dose SpO2 below the vital-sign policy's minimum or RR below its range.
    None when nothing was recorded."""
    moaas = [a.total for _, a in session_scales(session, "moaas") if a.administered_at >= start]
    cadss = session_scales(session, "cadss")
    before = [a.total for _, a in cadss if a.administered_at < start and a.total is not None]
    after = [a.total for _, a in cadss if a.administered_at >= start and a.total is not None]
    # The vital-sign policy's own limits, read directly so SpO2-only sets count too.
    policy = vital_policy()
    min_spo2, low_rr = policy.min_spo2_pct.value, policy.rr_range_per_min.value[0]
    breathing = [
        (v.spo2, v.respiratory_rate)
        for v in session.vitals.filter(taken_at__gt=start)
        if v.spo2 is not None or v.respiratory_rate is not None
    ]
    depressed = any(
        (spo2 is not None and spo2 < min_spo2) or (rr is not None and rr < low_rr)
        for spo2, rr in breathing
    )
    scored = [t for t in moaas if t is not None]
    return {
        "sedation": any(t < 5 for t in scored) if scored else None,
        "dissociation": any(t > (before[-1] if before else 0) for t in after) if after else None,
        "respiratory_depression": depressed if breathing else None,
    }


def derive(session: InfusionSession, now: datetime) -> dict[str, Any]:
    """What the session answers (None where it holds no answer yet)."""
    patient = session.patient
    out: dict[str, Any] = {
        "patient_first_name": patient.given_name,
        "patient_last_name": patient.family_name,
        "patient_birthdate": patient.date_of_birth,
        "patient_sex": patient.sex if patient.sex in rems.SEXES else None,
    }
    order = active_order(session)
    check = order.checks.filter(matched=True).select_related("lot").last() if order else None
    if order is not None and check is not None and order.dose_mg == int(order.dose_mg):
        out["dose_mg"] = int(order.dose_mg)
    if check is not None and check.lot is not None:
        out["lot_number"] = check.lot.lot_number
    try:
        start, _ = dosing_times(session)
    except ValidationError:
        return out
    done = Discharge.objects.filter(session=session).first()
    completed = done.at if done else now
    with_bp = session.vitals.filter(systolic__isnull=False, diastolic__isnull=False)
    readings = [domain_reading(v) for v in with_bp]
    bps = rems.form_blood_pressures(readings, start, completed)
    out.update(dict(zip(BP_FIELDS, bps, strict=True)))
    out["first_device_at"] = start
    out["treatment_date"] = timezone.localdate(start)
    if done is not None:
        out["total_monitoring_minutes"] = int((done.at - start).total_seconds() // 60)
    out.update(_post_dose_flags(session, start))
    return out


def suggestions(session: InfusionSession, user: User, now: datetime) -> dict[str, Any]:
    """Starting answers for the clinician's fields: medicines from the active medication list,
    acceptable vitals from the vital-sign policy, HCP and setting from the last form at this
    site (or the signed-in user and the site's name)."""
    names = [m.name.lower() for m in session.patient.medications.filter(active=True)]
    out: dict[str, Any] = {
        field: any(drug in name for name in names for drug in drugs)
        for field, drugs in MEDICATION_NAMES.items()
    }
    base = baseline_vitals(session)
    if base is not None:
        out["vitals_acceptable_before_administration"] = not predose_check(
            domain_reading(base), (), vital_policy()
        )
    previous = (
        RemsForm.objects.filter(session__site=session.site)
        .exclude(session=session)
        .order_by("-pk")
        .first()
    )
    carried = previous.data if previous else {}
    for name in FIELDS:
        if name.startswith(("hcp_", "setting_")) and carried.get(name):
            out[name] = carried[name]
    out.setdefault("hcp_first_name", user.first_name)
    out.setdefault("hcp_last_name", user.last_name)
    out.setdefault("hcp_email", user.email)
    out.setdefault("setting_name", session.site.name)
    return out


def fixed_fields(derived: Mapping[str, Any], *, aborted: bool = False) -> frozenset[str]:
    """Fields the clinician cannot change: session-only ones, and derivable ones the session
    answered. An aborted session has no discharge to end the monitoring, so the clinician
    gives its total minutes."""
    fixed = SESSION_ONLY | {n for n in DERIVABLE if derived.get(n) is not None}
    if aborted and derived.get("total_monitoring_minutes") is None:
        fixed -= {"total_monitoring_minutes"}
    return fixed


def current_data(
    session: InfusionSession, user: User, now: datetime | None = None
) -> dict[str, Any]:
    """The form as stored with the session's answers brought up to date (nothing written)."""
    check_esketamine(session)
    now = now or timezone.now()
    stored = RemsForm.objects.filter(session=session).first()
    derived = derive(session, now)
    if stored is None:
        data: dict[str, Any] = {n: _to_json(v) for n, v in suggestions(session, user, now).items()}
        data["medications_confirmed"] = False
    else:
        data = dict(stored.data)
    if stored is None or stored.completed_at is None:
        fixed = fixed_fields(derived, aborted=session.state == "aborted")
        data.update({n: _to_json(derived.get(n)) for n in fixed})
        data["derived"] = sorted(fixed)
    data["form_version"] = stored.form_version if stored else rems.FORM_VERSION
    return data


def build_form(
    session: InfusionSession, user: User, now: datetime | None = None
) -> rems.PatientMonitoringForm:
    """The core's form for `session` as it stands (stored answers, session data refreshed)."""
    return form_of(current_data(session, user, now))


def problems(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Everything that keeps the form from completion (empty when it can be completed)."""
    found = list(rems.check_form(form_of(data)))
    if not data.get("medications_confirmed"):
        found.append("medications_confirmed: required (a clinician confirms the medicines)")
    return tuple(found)


def _locked(session: InfusionSession) -> RemsForm | None:
    form = RemsForm.objects.select_for_update().filter(session=session).first()
    if form is not None and form.completed_at is not None:
        when = timezone.localtime(form.completed_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError("rems_form", "completed", f"an open form (completed {when})")
    return form


def _audit(actor: Actor, session: InfusionSession, action: str, detail: dict[str, Any]) -> None:
    record(
        actor,
        action,
        patient_public_id=session.patient.public_id,
        object_type="rems_form",
        object_id=session.public_id,
        detail=detail,
    )


def save_rems(
    actor: Actor,
    session: InfusionSession,
    values: Mapping[str, Any],
    *,
    medications_confirmed: bool | None = None,
    now: datetime | None = None,
) -> RemsForm:
    """Store the clinician's answers (ValidationError for a fixed or unknown field, or a value
    of the wrong type) with the session's answers refreshed."""
    user = actor.signed_in()
    require(user, Action.SUBMIT_REMS, session.site)
    check_esketamine(session)
    now = now or timezone.now()
    with transaction.atomic():
        stored = _locked(session)
        data = current_data(session, user, now)
        fixed = set(data.get("derived", []))
        for name, raw in values.items():
            if name not in FIELDS:
                raise ValidationError(name, raw, "a field of the REMS form")
            if name in fixed:
                raise ValidationError(name, raw, "unchanged: it is filled from the session")
            data[name] = _to_json(_from_json(name, raw))
        if medications_confirmed is not None:
            data["medications_confirmed"] = bool(medications_confirmed)
        form_of(data)  # refuse what the core cannot hold (e.g. an impossible reading)
        if stored is None:
            stored = RemsForm.objects.create(
                session=session, data=data, form_version=rems.FORM_VERSION
            )
        else:
            RemsForm.objects.filter(pk=stored.pk).update(data=data)
            stored.refresh_from_db()
        _audit(actor, session, "rems_saved", {"fields": sorted(values)})
    return stored


def complete_rems(
    actor: Actor, session: InfusionSession, *, now: datetime | None = None
) -> RemsForm:
    """Complete (and lock) the form; refused, naming every problem, while any remains."""
    user = actor.signed_in()
    require(user, Action.SUBMIT_REMS, session.site)
    check_esketamine(session)
    now = now or timezone.now()
    with transaction.atomic():
        stored = _locked(session)
        data = current_data(session, user, now)
        found = problems(data)
        if found:
            raise ValidationError(
                "rems_form", f"{len(found)} problem(s)", "a complete form", "; ".join(found)
            )
        if stored is None:
            stored = RemsForm.objects.create(
                session=session, data=data, form_version=rems.FORM_VERSION
            )
        RemsForm.objects.filter(pk=stored.pk).update(data=data, completed_at=now, completed_by=user)
        stored.refresh_from_db()
        _audit(actor, session, "rems_completed", {"treatment_date": data["treatment_date"]})
    return stored


def mark_submitted(
    actor: Actor,
    session: InfusionSession,
    *,
    submitted_on: date,
    reference: str = "",
    today: date | None = None,
) -> RemsForm:
    """Record that the completed form reached the REMS on `submitted_on` (not before the
    treatment date, not in the future), with the confirmation reference if one was given."""
    user = actor.signed_in()
    require(user, Action.SUBMIT_REMS, session.site)
    check_esketamine(session)
    today = today or timezone.localdate()
    ref = " ".join(reference.split())
    if len(ref) > 100:
        raise ValidationError("reference", ref, "at most 100 characters")
    with transaction.atomic():
        form = RemsForm.objects.select_for_update().filter(session=session).first()
        if form is None or form.completed_at is None:
            raise ValidationError("rems_form", "not completed", "a completed form")
        if form.submitted_on is not None:
            raise ValidationError("submitted_on", form.submitted_on, "not yet recorded")
        treated = date.fromisoformat(form.data["treatment_date"])
        if not treated <= submitted_on <= today:
            raise ValidationError("submitted_on", submitted_on, f"{treated} to {today}")
        RemsForm.objects.filter(pk=form.pk).update(
            submitted_on=submitted_on, submitted_by=user, submission_reference=ref
        )
        form.refresh_from_db()
        late = rems.submission_overdue(treated, submitted_on, today)
        _audit(
            actor,
            session,
            "rems_submitted",
            {"submitted_on": submitted_on.isoformat(), "reference": ref, "late": late},
        )
    return form


@dataclass(frozen=True)
class DueRow:
    session: InfusionSession
    treatment_date: date
    due: date
    overdue: bool
    status: str  # "no form" | "draft" | "completed"


def due_forms(user: User, today: date | None = None) -> list[DueRow]:
    """Esketamine sessions of the user's sites that were dosed and whose form is not marked
    submitted, oldest first, with the 7-day due date (no patient data for other sites)."""
    require(user, Action.VIEW_CLINICAL)
    today = today or timezone.localdate()
    sessions: QuerySet[InfusionSession] = (
        InfusionSession.objects.filter(site__in=user.sites.all(), modality="esketamine")
        .filter(Q(rems_form__isnull=True) | Q(rems_form__submitted_on__isnull=True))
        .annotate(first_dose=Min("transitions__at", filter=Q(transitions__event="start_infusion")))
        .filter(first_dose__isnull=False)
        .select_related("patient", "rems_form")
        .order_by("first_dose", "pk")
    )
    rows = []
    for session in sessions:
        treated = timezone.localdate(session.first_dose)  # type: ignore[attr-defined]
        form = getattr(session, "rems_form", None)
        status = "no form" if form is None else "completed" if form.completed_at else "draft"
        rows.append(
            DueRow(
                session,
                treated,
                rems.submission_due(treated),
                rems.submission_overdue(treated, None, today),
                status,
            )
        )
    return rows
