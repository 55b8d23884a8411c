"""Assessment services: scoring round trips, safety tasks in the same transaction, skip logic,
corrections, immutability, validation, permissions and audit.

Expected totals and bands are the worked examples of the clinical reference (section 5 and
2.5) or hand arithmetic written next to them, never the output of the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import kclinic
from kclinic.domain.errors import AnswerError, UnknownNameError, ValidationError
from kclinic.domain.instruments import REGISTRY
from kclinic.web.assessments import selectors, services
from kclinic.web.assessments.models import Assessment, ImmutableError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor, verify
from kclinic.web.tasks.models import Task, TaskStatus

# instrument, answers, band table (None = default), options, expected total, band, flags,
# expected subscales (subset) -- each from the clinical reference's test vectors.
ROUND_TRIPS = [
    # 5.1: [2,3,1,2,0,1,2,1,1] -> 13, moderate, item-9 flag
    ("phq9", [2, 3, 1, 2, 0, 1, 2, 1, 1], None, None, 13, "moderate", ["suicidal_ideation"], {}),
    # 5.2: [1,2,2,1,0,1,1] -> 8, mild
    ("gad7", [1, 2, 2, 1, 0, 1, 1], None, None, 8, "mild", [], {}),
    # 5.3: domain maxima 3+2+2+2+1+1+2+2+2 = 17, severe; item 12 = 1 flags ideation
    (
        "qids-sr16",
        [2, 1, 3, 0, 2, 1, 0, 2, 0, 2, 1, 1, 2, 2, 1, 2],
        None,
        None,
        17,
        "severe",
        ["suicidal_ideation"],
        {"sleep": 3, "appetite_weight": 2, "psychomotor": 2},
    ),
    # 5.4: 32 is moderate under Snaith 1986 (default), severe under Mueller 2003 (>= 31);
    # item 10 = 2 flags ideation; anhedonia = items 1,2,6,7,8 = 4+4+4+3+4 = 19
    (
        "madrs",
        [4, 4, 3, 2, 3, 4, 3, 4, 3, 2],
        None,
        None,
        32,
        "moderate",
        ["suicidal_ideation"],
        {"anhedonia": 19},
    ),
    (
        "madrs",
        [4, 4, 3, 2, 3, 4, 3, 4, 3, 2],
        "mueller-2003",
        None,
        32,
        "severe",
        ["suicidal_ideation"],
        {"anhedonia": 19},
    ),
    # 5.5: 24 is severe on the IDS/QIDS table (default), very severe on CamCOPS; item 3 = 1
    (
        "hamd17",
        [3, 2, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1, 0],
        None,
        None,
        24,
        "severe",
        ["suicidal_ideation"],
        {},
    ),
    (
        "hamd17",
        [3, 2, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1, 0],
        "camcops",
        {"item16_method": "A"},
        24,
        "very severe",
        ["suicidal_ideation"],
        {},
    ),
    # 5.6: Y Y Y Y N N -> high (Columbia); q6a not asked because q6 = no
    (
        "cssrs-screener",
        {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0},
        None,
        None,
        None,
        "high",
        ["suicidal_ideation"],
        {},
    ),
    # 5.7: five items 1 and two items 2 -> 9; no bands
    ("cadss", [1] * 5 + [2] * 2 + [0] * 16, None, None, 9, None, [], {}),
    # 5.8: [2,1,1,3] on 1-7 -> 7; the same ratings on 0-6 ([1,0,0,2]) -> 3
    ("bprs-positive", [2, 1, 1, 3], None, None, 7, None, [], {}),
    ("bprs-positive", [1, 0, 0, 2], None, {"convention": "0-6"}, 3, None, [], {}),
    # 5.9: 32 -> negative at cut-off 33 (default), positive at 31; clusters B8 C4 D11 E9
    (
        "pcl5",
        [2, 1, 3, 0, 2, 3, 1, 2, 0, 1, 2, 3, 2, 1, 2, 1, 0, 3, 2, 1],
        None,
        None,
        32,
        "below cut-off",
        [],
        {"cluster_b": 8, "cluster_c": 4, "cluster_d": 11, "cluster_e": 9},
    ),
    (
        "pcl5",
        [2, 1, 3, 0, 2, 3, 1, 2, 0, 1, 2, 3, 2, 1, 2, 1, 0, 3, 2, 1],
        "cutoff-31",
        None,
        32,
        "probable PTSD",
        [],
        {},
    ),
    # 5.10: MOAA/S 0 = no response to a painful trapezius squeeze = loss of consciousness
    ("moaas", [0], None, None, 0, "unresponsive", ["loss_of_consciousness"], {}),
    # 5.11: (2,2,2,1,2) -> 9 -> may discharge under the >= 9 rule
    ("aldrete", [2, 2, 2, 1, 2], None, None, 9, "ready for discharge", [], {}),
    # 2.5: 2 + 4 + 2 + 1 + 0 = 9 -> moderate; illness 2+4 = 6, treatment 2+1+0 = 3
    ("msm", [2, 4, 2, 1, 0], None, None, 9, "moderate", [], {"illness": 6, "treatment": 3}),
]


def _when(days_ago: float = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def test_every_instrument_in_the_core_has_a_round_trip():
    assert {case[0] for case in ROUND_TRIPS} == set(REGISTRY)


@pytest.mark.parametrize(
    ("instrument", "answers", "table", "options", "total", "band", "flags", "subscales"),
    ROUND_TRIPS,
    ids=[f"{c[0]}-{c[2] or 'default'}-{c[3] or ''}" for c in ROUND_TRIPS],
)
def test_scoring_round_trip_through_the_service(
    clinic, instrument, answers, table, options, total, band, flags, subscales
):
    recorded = services.record_assessment(
        Actor(clinic.nurse),
        clinic.patient,
        instrument,
        answers,
        "baseline",
        _when(),
        table,
        options,
    )
    stored = Assessment.objects.get(public_id=recorded.assessment.public_id)
    assert (stored.instrument_id, stored.total, stored.band or None) == (instrument, total, band)
    assert stored.flags == flags
    assert stored.complete is True
    for name, value in subscales.items():
        assert stored.subscales[name] == value
    if table is not None:
        assert stored.band_table == table
    # Item-level answers are kept keyed by item id, exactly as given.
    items = REGISTRY[instrument].items
    given = (
        answers
        if isinstance(answers, dict)
        else dict(zip([i.id for i in items], answers, strict=False))
    )
    assert {k: v for k, v in stored.answers.items() if v is not None} == given
    assert stored.respondent == REGISTRY[instrument].respondent
    assert stored.instrument_version.startswith(f"{kclinic.__version__}+")
    # One open safety task per flag, linked to the assessment.
    tasks = Task.objects.filter(source_public_id=stored.public_id)
    assert sorted(t.flag for t in tasks) == sorted(flags)
    assert [t.public_id for t in recorded.tasks] == [t.public_id for t in tasks.order_by("pk")]


def test_phq9_item9_of_1_opens_exactly_one_open_safety_task_with_the_assessment(clinic):
    # Total 1 is "none-minimal": the flag must not be suppressed by a low total.
    recorded = services.record_assessment(
        Actor(clinic.nurse, "10.1.1.1"),
        clinic.patient,
        "phq9",
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
        "pre-session",
        _when(),
    )
    assessment = recorded.assessment
    assert (assessment.total, assessment.band) == (1, "none-minimal")
    task = Task.objects.get(patient=clinic.patient)
    assert (task.kind, task.flag, task.status) == ("safety", "suicidal_ideation", TaskStatus.OPEN)
    assert (task.source_type, task.source_public_id) == ("assessment", assessment.public_id)
    assert recorded.tasks == (task,)
    events = AuditEvent.objects.filter(patient_public_id=clinic.patient.public_id)
    created = events.get(object_type="assessment", action="create")
    assert created.detail["flags"] == ["suicidal_ideation"]
    assert created.detail["tasks"] == [str(task.public_id)]
    assert (created.username, created.source_address) == ("nurse_kim", "10.1.1.1")
    assert events.filter(object_type="task", action="create").count() == 1


def test_a_failing_task_insert_rolls_back_the_assessment_and_its_audit(clinic, monkeypatch):
    before = AuditEvent.objects.count()

    def failing_create(**kwargs):
        raise DatabaseError("task table unavailable")

    monkeypatch.setattr(Task.objects, "create", failing_create)
    with pytest.raises(DatabaseError):
        services.record_assessment(
            Actor(clinic.nurse), clinic.patient, "phq9", [0] * 8 + [2], "pre-session", _when()
        )
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()
    assert AuditEvent.objects.count() == before
    assert verify()[1] is None


def test_a_task_row_the_database_refuses_rolls_back_the_assessment(clinic, monkeypatch):
    # A real constraint violation from the database (a task without a patient), not a
    # Python exception: the whole transaction must still be rolled back.
    def broken_open(actor, patient, flag, source_type, source_public_id):
        return Task.objects.create(patient_id=None, flag=flag, title="broken")

    monkeypatch.setattr(services, "open_safety_task", broken_open)
    with pytest.raises(DatabaseError):
        services.record_assessment(
            Actor(clinic.nurse), clinic.patient, "phq9", [0] * 8 + [1], "pre-session", _when()
        )
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="assessment").exists()


def test_cssrs_skip_logic_is_refused_naming_the_item_and_nothing_is_written(clinic):
    with pytest.raises(AnswerError) as refused:
        services.record_assessment(
            Actor(clinic.nurse),
            clinic.patient,
            "cssrs-screener",
            {"q1": 1, "q2": 0, "q3": 1, "q6": 0},
            "screening",
            _when(),
        )
    message = str(refused.value)
    assert message.startswith("cssrs-screener item q3 (suicidal thoughts with method): 1")
    assert "q2 is no" in message
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()


def test_cssrs_q6a_is_refused_when_q6_is_no(clinic):
    with pytest.raises(AnswerError, match=r"item q6a .*q6 is no"):
        services.record_assessment(
            Actor(clinic.nurse),
            clinic.patient,
            "cssrs-screener",
            {"q1": 0, "q2": 0, "q6": 0, "q6a": 1},
            "screening",
            _when(),
        )


def test_cssrs_behaviour_opens_a_task_per_flag(clinic):
    # Q6 yes within 3 months -> high; ideation (q1) and behaviour (q6) each get a task.
    recorded = services.record_assessment(
        Actor(clinic.prescriber),
        clinic.patient,
        "cssrs-screener",
        {"q1": 1, "q2": 0, "q6": 1, "q6a": 1},
        "screening",
        _when(),
    )
    assert recorded.assessment.band == "high"
    assert recorded.assessment.total is None
    assert [t.flag for t in recorded.tasks] == ["suicidal_ideation", "suicidal_behaviour"]


def test_a_bad_answer_names_the_item_and_the_allowed_values(clinic):
    with pytest.raises(AnswerError) as refused:
        services.record_assessment(
            Actor(clinic.nurse),
            clinic.patient,
            "phq9",
            [0, 0, 4, 0, 0, 0, 0, 0, 0],
            "other",
            _when(),
        )
    assert str(refused.value) == (
        "phq9 item 3 (sleep): 4 is not allowed; allowed: whole numbers 0 to 3"
    )
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="assessment").exists()


def test_an_incomplete_form_is_stored_without_a_total_but_keeps_its_flag(clinic):
    recorded = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", {"9": 3}, "pre-session", _when()
    )
    assert (recorded.assessment.total, recorded.assessment.complete) == (None, False)
    assert recorded.assessment.band == ""
    assert len(recorded.tasks) == 1


@pytest.mark.parametrize(
    ("field", "kwargs", "allowed"),
    [
        ("context", {"context": "pre_session"}, "screening, baseline, pre-session"),
        ("administered_at", {"administered_at": "naive"}, "time zone"),
        ("administered_at", {"administered_at": "future"}, "not in the future"),
        ("administered_at", {"administered_at": "before-birth"}, "date of birth (1980-05-17)"),
        ("respondent", {"respondent": "family"}, "patient, clinician"),
        ("phq9.band_table", {"band_table": "spitzer-2006"}, "kroenke-2001"),
    ],
)
def test_bad_fields_are_named_with_the_allowed_values(clinic, field, kwargs, allowed):
    values = {"context": "baseline", "administered_at": _when()}
    values.update(kwargs)
    if values["administered_at"] == "naive":
        # A time without a zone, as a careless integration might send it.
        values["administered_at"] = dt.datetime.fromisoformat("2026-01-05T09:00")
    if values["administered_at"] == "future":
        values["administered_at"] = timezone.now() + dt.timedelta(hours=1)
    if values["administered_at"] == "before-birth":
        values["administered_at"] = dt.datetime(1980, 5, 16, 12, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        services.record_assessment(
            Actor(clinic.nurse),
            clinic.patient,
            "phq9",
            [0] * 9,
            values["context"],
            values["administered_at"],
            values.get("band_table"),
            respondent=values.get("respondent"),
        )
    assert refused.value.field == field
    assert allowed in str(refused.value)
    assert not Assessment.objects.exists()


def test_an_unknown_instrument_lists_the_known_ones(clinic):
    with pytest.raises(UnknownNameError) as refused:
        services.record_assessment(
            Actor(clinic.nurse), clinic.patient, "beck", [0], "other", _when()
        )
    assert refused.value.field == "instrument"
    assert "phq9" in refused.value.known


def test_a_tablet_clock_a_little_ahead_is_accepted(clinic):
    services.record_assessment(
        Actor(clinic.nurse),
        clinic.patient,
        "gad7",
        [0] * 7,
        "other",
        timezone.now() + dt.timedelta(minutes=4),
    )


@pytest.mark.parametrize("persona", ["front_desk", "compliance", "auditor", "admin"])
def test_only_prescribers_and_nurses_record(clinic, persona):
    with pytest.raises(PermissionDenied):
        services.record_assessment(
            Actor(getattr(clinic, persona)), clinic.patient, "phq9", [0] * 9, "other", _when()
        )
    assert not Assessment.objects.exists()


def test_a_nurse_of_another_site_cannot_record(clinic):
    with pytest.raises(PermissionDenied):
        services.record_assessment(
            Actor(clinic.other_site_nurse), clinic.patient, "phq9", [0] * 9, "other", _when()
        )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("prescriber", True),
        ("nurse", True),
        ("compliance", True),
        ("auditor", True),
        ("front_desk", False),
        ("admin", False),
        ("other_site_nurse", False),
    ],
)
def test_who_may_read_assessments(clinic, persona, sees):
    services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [0] * 9, "other", _when()
    )
    user = getattr(clinic, persona)
    if sees:
        assert selectors.assessments_of(user, clinic.patient).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            selectors.assessments_of(user, clinic.patient)


def test_an_assessment_is_never_edited_or_deleted(clinic):
    assessment = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [0] * 7, "other", _when()
    ).assessment
    assessment.total = 20
    with pytest.raises(ImmutableError):
        assessment.save()
    with pytest.raises(ImmutableError):
        assessment.delete()
    with pytest.raises(ImmutableError):
        Assessment.objects.filter(pk=assessment.pk).update(total=20)
    with pytest.raises(ImmutableError):
        Assessment.objects.filter(pk=assessment.pk).delete()
    assert Assessment.objects.get(pk=assessment.pk).total == 0


def test_the_database_itself_refuses_edits_on_postgresql(clinic):
    assessment = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [0] * 7, "other", _when()
    ).assessment
    sql = "UPDATE assessments_assessment SET total = 20 WHERE id = %s"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
            connection.cursor().execute(sql, [assessment.pk])
        assert Assessment.objects.get(pk=assessment.pk).total == 0
    else:
        # SQLite has no such trigger (see migration 0002); the model and queryset refuse.
        assert connection.vendor == "sqlite"


def test_a_correction_supersedes_and_keeps_the_original(clinic):
    original = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [1] * 9, "pre-session", _when(1)
    ).assessment
    corrected = services.correct_assessment(
        Actor(clinic.prescriber),
        original,
        [1] * 8 + [0],
        "Item 9 was entered in the wrong row of the paper form",
    )
    new = corrected.assessment
    # 1 x 8 = 8 -> mild; the original 9 stays as entered.
    assert (new.total, new.band, new.flags) == (8, "mild", [])
    assert new.supersedes == original
    assert new.administered_at == original.administered_at
    assert new.context == original.context
    assert new.administered_by == clinic.nurse
    assert new.entered_by == clinic.prescriber
    original.refresh_from_db()
    assert (original.total, original.is_superseded) == (9, True)
    # The original's safety task stays open: a correction never resolves one by itself.
    assert Task.objects.filter(status=TaskStatus.OPEN).count() == 1
    event = AuditEvent.objects.get(action="correct")
    assert event.detail["supersedes"] == str(original.public_id)
    assert event.detail["reason"].startswith("Item 9 was entered")


def test_only_the_latest_version_can_be_corrected(clinic):
    original = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [1] * 7, "other", _when(1)
    ).assessment
    reason = "Transcription error on the paper form"
    services.correct_assessment(Actor(clinic.nurse), original, [2] * 7, reason)
    with pytest.raises(ValidationError) as refused:
        services.correct_assessment(Actor(clinic.nurse), original, [3] * 7, reason)
    assert refused.value.field == "supersedes"
    assert Assessment.objects.count() == 2


def test_a_correction_needs_a_reason(clinic):
    original = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [1] * 7, "other", _when(1)
    ).assessment
    with pytest.raises(ValidationError, match=r"^reason: 'typo'"):
        services.correct_assessment(Actor(clinic.nurse), original, [2] * 7, "typo")
    assert Assessment.objects.count() == 1


def test_an_auditor_cannot_correct(clinic):
    original = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [1] * 7, "other", _when(1)
    ).assessment
    with pytest.raises(PermissionDenied):
        services.correct_assessment(
            Actor(clinic.auditor), original, [2] * 7, "Transcription error on the form"
        )


def test_preview_scores_without_storing_and_needs_the_record_permission(clinic):
    result = services.preview(
        Actor(clinic.nurse), clinic.patient, "phq9", [2, 3, 1, 2, 0, 1, 2, 1, 1]
    )
    assert (result.total, result.band, result.flags) == (13, "moderate", ("suicidal_ideation",))
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()
    assert not AuditEvent.objects.exists()
    with pytest.raises(PermissionDenied):
        services.preview(Actor(clinic.auditor), clinic.patient, "phq9", [0] * 9)


def test_the_chart_reads_current_complete_totals_only(clinic):
    actor = Actor(clinic.nurse)
    first = services.record_assessment(
        actor, clinic.patient, "phq9", [3] * 7 + [0, 0], "baseline", _when(20)
    ).assessment  # 21
    services.record_assessment(actor, clinic.patient, "phq9", {"1": 2}, "other", _when(15))
    services.record_assessment(actor, clinic.patient, "gad7", [1] * 7, "other", _when(10))
    later = services.record_assessment(
        actor, clinic.patient, "phq9", [1] * 9, "follow-up", _when(5)
    ).assessment  # 9
    services.correct_assessment(actor, later, [1] * 8 + [0], "Wrong row on the paper form")
    (series,) = selectors.trajectory(clinic.nurse, clinic.patient)
    assert series.key == "phq9"
    assert [score for _, score in series.points] == [21, 8]
    assert series.points[0][0] == timezone.localtime(first.administered_at)
    # Response threshold: 50% of the baseline 21 = 10.5; remission < 5 (McInnes 2022).
    assert [(t.kind, str(t.score)) for t in series.thresholds] == [
        ("response", "10.5"),
        ("remission", "5"),
    ]
