"""/api/v1/sessions/...: the chair-side workflow over the same services, permissions and audit
as the pages. Each part of the workflow keeps its operations in its own router module."""

from ninja import Router

from kclinic.web.infusions.api_discharge import router as discharge_router
from kclinic.web.infusions.api_monitoring import router as monitoring_router
from kclinic.web.infusions.api_session import router as session_router

router = Router(tags=["sessions"])
router.add_router("", session_router)
router.add_router("", monitoring_router)
router.add_router("", discharge_router)
