"""Who acts, and what they may do in each org (docs/model.md, "Users and permissions").

Permissions are held per org. Server administrators may do everything; other users need
the permission an action names, in the org it acts on. Every refusal names the permission
and the org.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from changeway.domain.audit import Stamp
from changeway.domain.errors import PermissionDenied, Refused
from changeway.domain.orgs import Org, OrgKind


class Permission(StrEnum):
    """A permission in one org, named as docs/model.md names it."""

    VIEW_SETUP = "view_setup"
    MANAGE_SANDBOXES = "manage_sandboxes"
    MANAGE_DEV_SANDBOXES = "manage_dev_sandboxes"
    CREATE_UPLOAD_CHANGE_SETS = "create_upload_change_sets"
    DEPLOY_CHANGE_SETS = "deploy_change_sets"
    MODIFY_METADATA = "modify_metadata"
    MANAGE_USERS = "manage_users"

    @property
    def label(self) -> str:
        """Salesforce's name of the permission."""
        return LABELS[self]


#: Salesforce's names, accepted wherever a permission is named.
LABELS = {
    Permission.VIEW_SETUP: "View Setup and Configuration",
    Permission.MANAGE_SANDBOXES: "Manage Sandboxes",
    Permission.MANAGE_DEV_SANDBOXES: "Manage Dev Sandboxes",
    Permission.CREATE_UPLOAD_CHANGE_SETS: "Create and Upload Change Sets",
    Permission.DEPLOY_CHANGE_SETS: "Deploy Change Sets",
    Permission.MODIFY_METADATA: "Modify Metadata Through Metadata API Functions",
    Permission.MANAGE_USERS: "Manage Users",
}
_BY_TEXT = {p.value: p for p in Permission} | {v.lower(): k for k, v in LABELS.items()}


def parse_permission(text: str) -> Permission:
    """A permission from its name (``deploy_change_sets``) or Salesforce's (``Deploy Change
    Sets``), case-insensitively."""
    found = _BY_TEXT.get(" ".join(text.split()).lower())
    if found is None:
        names = ", ".join(p.value for p in Permission)
        raise Refused(f"unknown permission {text!r}: use one of {names} (or Salesforce's names)")
    return found


class Entrypoint(StrEnum):
    """How an action reached changeway: recorded with every audit entry."""

    CLI = "cli"
    API = "api"
    WEB = "web"
    SF = "sf"


_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,119}")


def check_user_name(name: str) -> None:
    """Refuse a user name that is empty, too long or uses odd characters."""
    if not _USER_NAME.fullmatch(name):
        raise Refused(
            f"invalid user name {name!r}: use up to 120 letters, digits, '.', '_', '@' or '-',"
            " starting with a letter or digit"
        )


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service acts, with their permissions per org id.

    ``acting_for`` names the administrator who acts as this user (``--as``); the user's
    own permissions apply, and the trail records "ADMIN acting as USER".
    """

    user_id: int
    name: str
    is_admin: bool
    entrypoint: Entrypoint
    grants: Mapping[str, frozenset[Permission]] = field(default_factory=dict)
    acting_for: str | None = None

    @property
    def stamp(self) -> Stamp:
        """How the audit trail records this actor."""
        return Stamp(user=self.name, entrypoint=self.entrypoint.value, by=self.acting_for)

    @property
    def label(self) -> str:
        """Who acted, as shown next to what they did."""
        return self.stamp.label

    def holds(self, permission: Permission, org: Org) -> bool:
        """Whether this actor may act with ``permission`` in ``org``."""
        return self.holds_in(permission, org.id)

    def holds_in(self, permission: Permission, org_id: str) -> bool:
        """Whether this actor may act with ``permission`` in the org whose id is ``org_id``."""
        return self.is_admin or permission in self.grants.get(org_id, frozenset())

    def can_see(self, org: Org) -> bool:
        """Users see only the orgs where they hold view_setup."""
        return self.holds(Permission.VIEW_SETUP, org)

    def require(self, permission: Permission, org: Org, *, action: str) -> None:
        """Refuse ``action`` unless this actor holds ``permission`` in ``org``."""
        if not self.holds(permission, org):
            raise PermissionDenied(
                f"{self.name} may not {action}: it needs the {permission.value}"
                f" ({permission.label}) permission in {org.name}",
                details={"permission": permission.value, "org": org.name, "org_id": org.id},
            )

    def require_any(self, permissions: Iterable[Permission], org: Org, *, action: str) -> None:
        """Refuse ``action`` unless this actor holds one of ``permissions`` in ``org``."""
        wanted = list(permissions)
        if not any(self.holds(p, org) for p in wanted):
            names = " or ".join(f"{p.value} ({p.label})" for p in wanted)
            raise PermissionDenied(
                f"{self.name} may not {action}: it needs {names} in {org.name}",
                details={"permission": wanted[0].value, "org": org.name, "org_id": org.id},
            )

    def require_admin(self, *, action: str) -> None:
        """Refuse ``action`` unless this actor is a server administrator."""
        if not self.is_admin:
            raise PermissionDenied(
                f"{self.name} may not {action}: only server administrators may",
                details={"permission": "admin"},
            )


def sandbox_permission(kind: OrgKind) -> tuple[Permission, ...]:
    """Permissions that allow managing a sandbox of ``kind`` (in its production org)."""
    if kind in (OrgKind.DEVELOPER, OrgKind.DEVELOPER_PRO):
        return (Permission.MANAGE_SANDBOXES, Permission.MANAGE_DEV_SANDBOXES)
    return (Permission.MANAGE_SANDBOXES,)
