"""Assessment pages: the list with the trajectory charts, picking an instrument, entering it
with a live score, the stored result, and a correction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain import instruments
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.instruments.base import Instrument, Item, ScoreResult
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.assessments import selectors, services
from kclinic.web.assessments.chart import layout
from kclinic.web.assessments.entry import (
    asked_items,
    drop_unasked,
    gate_notes,
    item_for_error,
    item_views,
    parse_answers,
)
from kclinic.web.assessments.forms import (
    DATETIME_INPUT,
    OPTION_PREFIX,
    CorrectionForm,
    EntryForm,
    scoring_choices,
)
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for
from kclinic.web.tasks.models import TaskStatus

TAB = "assessments"
PAGE_SIZE = 50
FLAG_LABELS = {
    "suicidal_ideation": "Suicidal ideation",
    "suicidal_behaviour": "Suicidal behaviour",
    "loss_of_consciousness": "Loss of consciousness",
}


def _instrument(instrument_id: str) -> Instrument:
    try:
        return instruments.get(instrument_id)
    except UnknownNameError:
        raise Http404("No such instrument") from None


def _page(
    request: AuthedRequest,
    patient_id: uuid.UUID,
    page: str,
    action: Action = Action.VIEW_CLINICAL,
    *,
    audit: bool = True,
) -> tuple[Patient, dict[str, Any]]:
    """patient_page, after checking the clinical permission, so a refused user leaves no
    'view' row for a page they never saw (front desk: 403; other site: 404)."""
    patient = patient_for(request.user, patient_id)
    require(request.user, action, patient.site)
    patient, context = patient_page(request, patient_id, page, audit=audit)
    context["tab"] = TAB
    return patient, context


def _words(name: str) -> str:
    return name.replace("_", " ")


def short_name(instrument_id: str) -> str:
    """'PHQ-9' from 'Patient Health Questionnaire-9 (PHQ-9)'; the id if it is not known."""
    instrument = instruments.REGISTRY.get(instrument_id)
    if instrument is None:
        return instrument_id
    name = instrument.name
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1]
    return name


def _flags(flags: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    return [(flag, FLAG_LABELS.get(flag, flag.replace("_", " ").capitalize())) for flag in flags]


def result_view(
    instrument: Instrument,
    result: ScoreResult | Assessment,
    answers: Mapping[str, object],
) -> dict[str, Any]:
    """What the score panel shows, from a live result or a stored assessment."""
    asked = asked_items(instrument, answers)
    return {
        "total": result.total,
        "max_total": instrument.max_total,
        "band": result.band or None,
        "band_table": result.band_table or None,
        "complete": result.complete,
        "flags": _flags(list(result.flags)),
        "subscales": [(_words(k), v) for k, v in sorted(dict(result.subscales).items())],
        "criteria": [(_words(k), v) for k, v in sorted(dict(result.criteria).items())],
        "unanswered": [item.id for item in asked if answers.get(item.id) is None],
        "answered_any": any(answers.get(item.id) is not None for item in asked),
        "is_rule": instrument.max_total is None,
    }


def _label(item: Item, answers: Mapping[str, object]) -> str:
    value = answers.get(item.id)
    return next((choice.label for choice in item.choices if choice.value == value), "")


@dataclass
class EntryState:
    answers: dict[str, object]
    options: dict[str, str]
    live: bool = True
    result: ScoreResult | None = None
    error: str | None = None
    item_errors: dict[str, str] = field(default_factory=dict)

    def fail(self, instrument: Instrument, error: ValidationError) -> None:
        item_id = item_for_error(instrument, error)
        if item_id is not None:
            self.item_errors[item_id] = str(error)
        self.error = str(error)


def _evaluate(
    request: AuthedRequest, patient: Patient, instrument: Instrument, *, live: bool
) -> EntryState:
    """Score the posted answers without storing. `live` (the preview) drops answers to
    items the skip logic no longer asks, as the re-rendered page no longer shows them."""
    answers = parse_answers(instrument, request.POST)
    if live:
        answers = drop_unasked(instrument, answers)
    band_table, options = scoring_choices(instrument, request.POST)
    state = EntryState(answers=answers, options=options, live=live)
    try:
        state.result = services.preview(
            Actor.from_request(request), patient, instrument.id, answers, band_table, options
        )
    except ValidationError as error:
        state.fail(instrument, error)
    return state


def _body(instrument: Instrument, state: EntryState) -> dict[str, Any]:
    options = dict(state.result.options) if state.result else state.options
    return {
        "instrument": instrument,
        "items": item_views(
            instrument, options, state.answers, state.item_errors, show_answered=not state.live
        ),
        "gate_notes": gate_notes(instrument, state.answers),
        "result": result_view(instrument, state.result, state.answers) if state.result else None,
        "score_error": state.error,
    }


def _blank(instrument: Instrument, original: Assessment | None = None) -> EntryState:
    """The form as first drawn: empty, or a correction's starting point (the original)."""
    answers: dict[str, object] = dict(original.answers) if original else {}
    options: dict[str, str] = dict(original.options) if original else {}
    band_table = (original.band_table or None) if original else None
    state = EntryState(answers=answers, options=options)
    try:
        state.result = services.score(instrument.id, answers, band_table, options)
    except ValidationError as error:
        state.fail(instrument, error)
    return state


@login_required
def assessment_list(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = _page(request, patient_id, TAB)
    rows = selectors.assessments_of(request.user, patient)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = selectors.task_ids_by_assessment(page.object_list)
    context.update(
        {
            "charts": [layout(series) for series in selectors.trajectory(request.user, patient)],
            "page": page,
            "rows": [
                (
                    a,
                    short_name(a.instrument_id),
                    _flags(a.flags),
                    [t for t in tasks.get(a.public_id, []) if t.status == TaskStatus.OPEN],
                )
                for a in page.object_list
            ],
            "can_record": allowed(request.user, Action.RECORD_ASSESSMENT, patient.site),
        }
    )
    return render(request, "assessments/list.html", context)


@login_required
def pick(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    _, context = _page(request, patient_id, f"{TAB}/new", Action.RECORD_ASSESSMENT)
    context["instruments"] = instruments.all_instruments()
    return render(request, "assessments/pick.html", context)


@login_required
def new(request: AuthedRequest, patient_id: uuid.UUID, instrument_id: str) -> HttpResponse:
    instrument = _instrument(instrument_id)
    patient, context = _page(request, patient_id, f"{TAB}/new", Action.RECORD_ASSESSMENT)
    form = EntryForm(instrument, request.POST or None)
    if request.method != "POST":
        state = _blank(instrument)
    elif "refresh" in request.POST:
        state = _evaluate(request, patient, instrument, live=True)
    else:
        state = _evaluate(request, patient, instrument, live=False)
        if form.is_valid():
            band_table, options = scoring_choices(instrument, request.POST)
            try:
                recorded = services.record_assessment(
                    Actor.from_request(request),
                    patient,
                    instrument.id,
                    parse_answers(instrument, request.POST),
                    form.cleaned_data["context"],
                    form.cleaned_data["administered_at"],
                    band_table,
                    options,
                    respondent=form.cleaned_data["respondent"],
                )
            except ValidationError as error:
                _refuse(form, instrument, state, error)
            else:
                messages.success(request, f"Saved {instrument.name}.")
                return redirect(
                    "assessments:detail", patient.public_id, recorded.assessment.public_id
                )
    context.update(_body(instrument, state))
    context.update({"form": form, "original": None})
    return render(request, "assessments/entry.html", context)


def _refuse(
    form: EntryForm, instrument: Instrument, state: EntryState, error: ValidationError
) -> None:
    """Show a refused save: on the item the core names, else on the form field, else on top."""
    if item_for_error(instrument, error) is not None:
        state.fail(instrument, error)
        form.add_error(None, str(error))
    else:
        attach_error(form, error)


@login_required
def preview(request: AuthedRequest, patient_id: uuid.UUID, instrument_id: str) -> HttpResponse:
    """The items and the score panel, re-rendered as answers change (htmx posts the form)."""
    instrument = _instrument(instrument_id)
    patient, _ = _page(request, patient_id, f"{TAB}/preview", Action.RECORD_ASSESSMENT)
    if request.method == "POST":
        state = _evaluate(request, patient, instrument, live=True)
    else:
        state = _blank(instrument)
    return render(request, "assessments/_entry_body.html", _body(instrument, state))


@login_required
def detail(request: AuthedRequest, patient_id: uuid.UUID, assessment_id: uuid.UUID) -> HttpResponse:
    patient, context = _page(request, patient_id, TAB, audit=False)
    assessment = selectors.assessment_for(request.user, patient, assessment_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="assessment",
        object_id=assessment.public_id,
    )
    instrument = instruments.REGISTRY.get(assessment.instrument_id)
    answers: dict[str, object] = dict(assessment.answers)
    items = instrument.items if instrument else ()
    context.update(
        {
            "a": assessment,
            "instrument": instrument,
            "result": result_view(instrument, assessment, answers) if instrument else None,
            "answer_rows": [(item, answers.get(item.id), _label(item, answers)) for item in items],
            "ships_text": instrument.licence.ships_item_text if instrument else False,
            "tasks": list(selectors.tasks_for(assessment)),
            "can_record": allowed(request.user, Action.RECORD_ASSESSMENT, patient.site),
            "can_resolve": allowed(request.user, Action.RESOLVE_SAFETY_TASK, patient.site),
        }
    )
    return render(request, "assessments/detail.html", context)


@login_required
def correct(
    request: AuthedRequest, patient_id: uuid.UUID, assessment_id: uuid.UUID
) -> HttpResponse:
    patient, context = _page(request, patient_id, f"{TAB}/correct", Action.RECORD_ASSESSMENT)
    original = selectors.assessment_for(request.user, patient, assessment_id)
    instrument = _instrument(original.instrument_id)
    if original.is_superseded:
        messages.info(
            request, "This assessment has already been corrected; this is the correction."
        )
        return redirect("assessments:detail", patient.public_id, original.superseded_by.public_id)
    initial = {
        "context": original.context,
        "respondent": original.respondent,
        "administered_at": timezone.localtime(original.administered_at).strftime(DATETIME_INPUT),
        "band_table": original.band_table,
        **{f"{OPTION_PREFIX}{name}": value for name, value in original.options.items()},
    }
    form = CorrectionForm(instrument, request.POST or None, initial=initial)
    if request.method != "POST":
        state = _blank(instrument, original)
    elif "refresh" in request.POST:
        state = _evaluate(request, patient, instrument, live=True)
    else:
        state = _evaluate(request, patient, instrument, live=False)
        if form.is_valid():
            band_table, options = scoring_choices(instrument, request.POST)
            try:
                recorded = services.correct_assessment(
                    Actor.from_request(request),
                    original,
                    parse_answers(instrument, request.POST),
                    form.cleaned_data["reason"],
                    context=form.cleaned_data["context"],
                    administered_at=form.cleaned_data["administered_at"],
                    band_table=band_table,
                    options=options,
                    respondent=form.cleaned_data["respondent"],
                )
            except ValidationError as error:
                _refuse(form, instrument, state, error)
            else:
                messages.success(request, f"Saved the correction of {instrument.name}.")
                return redirect(
                    "assessments:detail", patient.public_id, recorded.assessment.public_id
                )
    context.update(_body(instrument, state))
    context.update({"form": form, "original": original})
    return render(request, "assessments/entry.html", context)
