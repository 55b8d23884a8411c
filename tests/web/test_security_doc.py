"""docs/security.md states the permission policy the code enforces; they must agree."""

from pathlib import Path

from kclinic.web.accounts.models import Role
from kclinic.web.accounts.policy import POLICY, Action

DOC = Path(__file__).parents[2] / "docs" / "security.md"


def test_the_documented_policy_is_the_enforced_policy():
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        action = cells[0].strip("`")
        documented[action] = {
            role.value for role, cell in zip(Role, cells[1:], strict=True) if cell == "yes"
        }
    assert documented == {action.value: set(POLICY[action]) for action in Action}
