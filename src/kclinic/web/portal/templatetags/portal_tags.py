"""Template filters for the portal's staff pages."""

from __future__ import annotations

from django import template

from kclinic.domain.errors import KclinicError
from kclinic.web.portal import questions

register = template.Library()


@register.filter
def section_title(section: str) -> str:
    """The name of an instrument or question set, or the id itself if it is unknown."""
    try:
        return questions.title(section)
    except KclinicError:
        return section


@register.filter
def section_titles(sections: list[str]) -> str:
    """Short names for tables: "PHQ-9, GAD-7, Bladder and urine"."""
    names = []
    for section in sections:
        try:
            names.append(questions.short_title(section))
        except KclinicError:
            names.append(section)
    return ", ".join(names)
