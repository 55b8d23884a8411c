"""URL classification rows for the portal pages and API (merged by url_catalogue.py)."""

from __future__ import annotations

from tests.web.catalogue_types import Kwargs


def _link(clinic: object) -> dict[str, object]:
    from tests.web.test_portal_support import link_kwargs

    return link_kwargs(clinic)


PATIENT: dict[str, Kwargs] = {
    "portal:patient": lambda clinic: {},
    "portal:revoke": _link,
}
PATIENT_DATA_LIST: set[str] = {"portal:due"}
# The patient's own pages, reached by a link token: no staff user, no other patient's data
# (tests/web/test_portal_pages.py checks they show nothing else and write nothing when the
# link is not usable).
NO_PATIENT_DATA: set[str] = {"portal:respond", "portal:section"}
API_PATIENT: set[str] = {
    "api:create_self_report_link",
    "api:list_self_report_links",
    "api:revoke_self_report_link",
}
API_PATIENT_DATA_LIST: set[str] = {"api:list_self_report_due"}
API_NO_PATIENT_DATA: set[str] = set()
