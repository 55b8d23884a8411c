"""The patient's pages, reached by the link's token without an account.

Nothing here reads `request.user`: the token is the only credential, and the pages show only
the questions of this link and the answers saved on it (no name, no other session, no other
patient). An unknown, used, revoked or expired token gets a friendly page and writes nothing.
Answers are saved as the patient goes, one question at a time (the default on a phone) or a
whole questionnaire per page.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from kclinic.domain.errors import KclinicError
from kclinic.web.audit.services import Actor, record
from kclinic.web.portal import answering, questions, services
from kclinic.web.portal.models import SelfReportLink
from kclinic.web.portal.services import LinkState, LinkUnavailable

MODES = ("one", "all")


def _secure(response: HttpResponse) -> HttpResponse:
    # The URL holds the token: never send it to another site as a referrer (same-origin, not
    # no-referrer: the browser must still send its Origin for the CSRF check), never index it.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _unavailable(request: HttpRequest, error: LinkUnavailable) -> HttpResponse:
    status = 404 if error.state == LinkState.UNKNOWN else 410
    return _secure(
        render(request, "portal/unavailable.html", {"state": error.state.value}, status=status)
    )


def _base(link: SelfReportLink, token: str, mode: str) -> dict[str, object]:
    return {
        "token": token,
        "mode": mode,
        "site": link.patient.site,
        "crisis": answering.crisis_shown(link),
        "crisis_text": settings.KCLINIC_CRISIS_TEXT,
        "expires_at": link.expires_at,
    }


def _sections(link: SelfReportLink) -> list[dict[str, object]]:
    rows = []
    for section in link.instruments:
        saved = link.progress.get(section)
        done = questions.complete(section, saved)
        rows.append(
            {
                "id": section,
                "title": questions.title(section),
                "status": "done" if done else ("started" if saved else "not started"),
                "count": len(questions.fields(section, saved or {})),
            }
        )
    return rows


def _mode(request: HttpRequest) -> str:
    mode = request.POST.get("mode") or request.GET.get("mode") or "one"
    return mode if mode in MODES else "one"


@never_cache
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The overview: what to answer, progress, and the button that sends the answers."""
    mode = _mode(request)
    address = request.META.get("REMOTE_ADDR")
    if request.method == "POST":
        try:
            submitted = answering.submit(token, source_address=address)
        except LinkUnavailable as error:
            return _unavailable(request, error)
        except KclinicError as error:
            link = services.find(token)
            context = {**_base(link, token, mode), "sections": _sections(link), "error": str(error)}
            return _secure(render(request, "portal/respond.html", context))
        context = {
            "site": submitted.submission.link.patient.site,
            "crisis": submitted.crisis,
            "crisis_text": settings.KCLINIC_CRISIS_TEXT,
        }
        return _secure(render(request, "portal/done.html", context))
    try:
        link = services.find(token)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    record(
        Actor(None, address),
        "view",
        patient_public_id=link.patient.public_id,
        object_type=services.OBJECT,
        object_id=link.public_id,
    )
    sections = _sections(link)
    context = {
        **_base(link, token, mode),
        "sections": sections,
        "ready": all(s["status"] == "done" for s in sections),
        "next": next((s for s in sections if s["status"] != "done"), None),
    }
    return _secure(render(request, "portal/respond.html", context))


def _parse(section: str, post: dict[str, str], only: str | None) -> dict[str, object]:
    posted: dict[str, object] = {}
    for field in questions.fields(section, {}) if only is None else []:
        posted[field.id] = None  # a whole page posts every question shown: blank clears
    for key, raw in post.items():
        if not key.startswith("q-"):
            continue
        name = key[2:]
        if only is not None and name != only:
            continue
        text = raw.strip()
        if section == questions.SIDE_EFFECTS_SET.id:
            posted[name] = raw
        elif text == "":
            posted[name] = None
        else:
            posted[name] = int(text) if text.isdigit() else text
    return posted


def _next_url(link: SelfReportLink, token: str, section: str, mode: str, after: str | None) -> str:
    fields = questions.fields(section, link.progress.get(section, {}))
    ids = [f.id for f in fields]
    unanswered = [f.id for f in fields if f.answer is None]
    if mode == "one" and unanswered:
        start = ids.index(after) + 1 if after in ids else 0
        later = [i for i in ids[start:] if i in unanswered]
        target = (later or unanswered)[0]
        return reverse("portal:section", args=[token, section]) + f"?mode=one&item={target}"
    if unanswered:
        return reverse("portal:section", args=[token, section]) + f"?mode={mode}&missing=1"
    following = [s for s in link.instruments if not questions.complete(s, link.progress.get(s))]
    if following:
        return reverse("portal:section", args=[token, following[0]]) + f"?mode={mode}"
    return reverse("portal:respond", args=[token]) + f"?mode={mode}"


@never_cache
def section(request: HttpRequest, token: str, section: str) -> HttpResponse:
    """One questionnaire: one question at a time (mode=one) or all of it (mode=all)."""
    mode = _mode(request)
    error = ""
    try:
        link = services.find(token)
        if section not in link.instruments:
            raise LinkUnavailable(LinkState.UNKNOWN)
        if request.method == "POST":
            only = request.POST.get("item") if mode == "one" else None
            posted = _parse(section, request.POST.dict(), only)
            try:
                saved = answering.save_progress(
                    token, section, posted, source_address=request.META.get("REMOTE_ADDR")
                )
            except LinkUnavailable:
                raise
            except KclinicError as exc:
                error = str(exc)
            else:
                return redirect(_next_url(saved.link, token, section, mode, only))
    except LinkUnavailable as exc:
        return _unavailable(request, exc)
    saved_answers = link.progress.get(section, {})
    fields = questions.fields(section, saved_answers)
    ids = [f.id for f in fields]
    current = request.POST.get("item") or request.GET.get("item")
    if mode == "one":
        if current not in ids:
            current = next((f.id for f in fields if f.answer is None), ids[0] if ids else None)
        index = ids.index(current) if current in ids else 0
        shown = [f for f in fields if f.id == current]
        previous = ids[index - 1] if index > 0 else None
    else:
        index, shown, previous = 0, fields, None
    position = link.instruments.index(section)
    context = {
        **_base(link, token, mode),
        "section": section,
        "title": questions.title(section),
        "intro": questions.intro(section),
        "fields": shown,
        "is_text": section == questions.SIDE_EFFECTS_SET.id,
        "item": current,
        "index": index,
        "total": len(fields),
        "previous": previous,
        "section_number": position + 1,
        "section_count": len(link.instruments),
        "missing": request.GET.get("missing") == "1",
        "error": error,
    }
    return _secure(render(request, "portal/section.html", context))
