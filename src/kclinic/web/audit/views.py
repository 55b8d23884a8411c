"""The audit log page and its CSV export."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.selectors import search
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest


class AuditSearchForm(forms.Form):
    username = forms.CharField(required=False)
    patient = forms.UUIDField(required=False, label="Patient id")
    action = forms.CharField(required=False)
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _filters(form: AuditSearchForm) -> dict[str, Any]:
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "username": data.get("username") or "",
        "patient": str(data["patient"]) if data.get("patient") else "",
        "action": data.get("action") or "",
        "since": data.get("since"),
        "until": data.get("until"),
    }


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    events = search(request.user, **_filters(form))[:200]
    return render(request, "audit/list.html", {"form": form, "events": events})


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request: AuthedRequest) -> StreamingHttpResponse:
    require(request.user, Action.EXPORT_AUDIT)
    form = AuditSearchForm(request.GET or None)
    filters = _filters(form)
    events = search(request.user, **filters).order_by("seq")
    record(
        Actor.from_request(request),
        "export",
        object_type="audit_log",
        detail={k: str(v) for k, v in filters.items() if v},
    )
    writer = csv.writer(_Echo())
    header = [
        "seq",
        "at_utc",
        "username",
        "role",
        "patient",
        "action",
        "object_type",
        "object_id",
        "source_address",
        "detail",
        "prev_hash",
        "hash",
    ]

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.seq,
                    e.at.isoformat(),
                    e.username,
                    e.role,
                    e.patient_public_id or "",
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.source_address or "",
                    e.detail,
                    e.prev_hash,
                    e.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{uuid.uuid4().hex[:8]}.csv"'
    return response
