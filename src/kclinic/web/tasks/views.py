"""The clinic's open-task list (the user's own first; `?show=mine` for theirs only), a
patient's tasks (open urgent ones at the top), and resolving a task."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.tasks.models import ResolutionAction, Task
from kclinic.web.tasks.selectors import task_list, tasks_of
from kclinic.web.tasks.services import resolve_task


class ResolveForm(forms.Form):
    action = forms.ChoiceField(choices=ResolutionAction.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def clinic_tasks(request: AuthedRequest) -> HttpResponse:
    if not allowed(request.user, Action.VIEW_CLINICAL):
        raise PermissionDenied
    only_mine = request.GET.get("show") == "mine"
    tasks = task_list(request.user, only_mine=only_mine)
    actor = Actor.from_request(request)
    for patient_id in tasks.patients:
        record(actor, "view", patient_public_id=patient_id, object_type="page", object_id="tasks")
    return render(request, "tasks/list.html", {"tasks": tasks, "only_mine": only_mine})


@login_required
def patient_tasks(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, "tasks")
    tasks = list(tasks_of(patient))
    context.update(
        {
            # Open urgent tasks stand apart at the top; the table lists the rest.
            "urgent": [t for t in tasks if t.is_open and t.is_urgent],
            "tasks": [t for t in tasks if not (t.is_open and t.is_urgent)],
            "can_resolve": allowed(request.user, Action.RESOLVE_SAFETY_TASK, patient.site),
            "form": ResolveForm(),
        }
    )
    return render(request, "tasks/patient.html", context)


@login_required
def resolve(request: AuthedRequest, patient_id: uuid.UUID, task_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, "tasks")
    task = get_object_or_404(Task, public_id=task_id, patient=patient)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resolve_task(
                Actor.from_request(request),
                task,
                form.cleaned_data["action"],
                form.cleaned_data["note"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Task resolved.")
            return redirect("tasks:patient", patient.public_id)
    context.update({"task": task, "form": form})
    return render(request, "tasks/resolve.html", context)
