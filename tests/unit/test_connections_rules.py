"""Pure rules of docs/model.md, "Connections and authorization": who is connected, and who
may upload to whom."""

from __future__ import annotations

from dataclasses import replace

import pytest

from changeway.domain.connections import (
    Authorization,
    can_upload,
    connected,
    connections_of,
    promotion_paths,
    require_connected,
    require_upload_allowed,
    stale_authorizations,
)
from changeway.domain.errors import Refused
from changeway.domain.orgs import Org, OrgKind, OrgStatus, new_production
from tests.helpers import T0

PROD = replace(new_production(name="Prod", now=T0), id="00Dprod", production_id="00Dprod")
OTHER = replace(new_production(name="Other", now=T0), id="00Dother", production_id="00Dother")


def box(name: str, *, production: Org = PROD, status: OrgStatus = OrgStatus.ACTIVE) -> Org:
    return Org(
        id=f"0SB{name}",
        name=name,
        kind=OrgKind.DEVELOPER,
        production_id=production.id,
        status=status,
        created_at=T0,
        copied_at=T0,
    )


DEV, TEST, UAT = box("Dev"), box("Test"), box("Uat")
FOREIGN = box("Foreign", production=OTHER)


def auth(target: Org, source: Org) -> Authorization:
    return Authorization(target.id, source.id)


def test_production_and_its_sandbox_are_connected() -> None:
    assert connected(PROD, DEV) and connected(DEV, PROD)


def test_two_sandboxes_of_one_family_are_connected() -> None:
    assert connected(DEV, TEST)


def test_an_org_is_not_connected_to_itself() -> None:
    assert not connected(DEV, DEV)
    assert not connected(PROD, PROD)


def test_orgs_of_different_families_are_not_connected() -> None:
    assert not connected(DEV, FOREIGN)
    assert not connected(PROD, OTHER)


@pytest.mark.parametrize(
    "status",
    [s for s in OrgStatus if s is not OrgStatus.ACTIVE],
)
def test_an_org_that_is_not_active_has_no_connection(status: OrgStatus) -> None:
    inactive = box("Dev", status=status)
    assert not connected(inactive, PROD)
    assert not connected(TEST, inactive)


def test_upload_needs_the_target_to_allow_inbound_from_the_source() -> None:
    assert can_upload(TEST, PROD, [auth(PROD, TEST)])


def test_a_connection_alone_allows_no_upload() -> None:
    assert not can_upload(TEST, PROD, [])


def test_authorization_covers_one_direction_only() -> None:
    assert not can_upload(PROD, TEST, [auth(PROD, TEST)])


def test_authorization_for_another_pair_does_not_allow_the_upload() -> None:
    assert not can_upload(DEV, PROD, [auth(PROD, TEST), auth(DEV, PROD)])


def test_a_stored_authorization_allows_nothing_once_the_source_is_not_active() -> None:
    deleting = replace(DEV, status=OrgStatus.DELETING)
    assert not can_upload(deleting, PROD, [auth(PROD, DEV)])


def test_a_stored_authorization_allows_nothing_across_families() -> None:
    assert not can_upload(FOREIGN, PROD, [auth(PROD, FOREIGN)])


def test_refused_upload_says_which_org_must_allow_it() -> None:
    with pytest.raises(Refused) as refused:
        require_upload_allowed(PROD, TEST, [auth(PROD, TEST)])
    assert str(refused.value) == (
        "Test does not allow inbound changes from Prod; an admin of Test can allow it"
    )


def test_authorized_upload_passes() -> None:
    require_upload_allowed(TEST, PROD, [auth(PROD, TEST)])


def test_authorizing_an_org_to_itself_is_refused() -> None:
    with pytest.raises(Refused, match=r"an org has no connection to itself \(Dev\)"):
        require_connected(DEV, DEV)


def test_authorizing_across_families_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        require_connected(FOREIGN, PROD)
    assert str(refused.value) == (
        "Foreign and Prod belong to different families; they are not connected"
    )


def test_authorizing_with_an_inactive_org_is_refused_naming_its_state() -> None:
    with pytest.raises(Refused, match="Dev is deleting; only active orgs are connected"):
        require_connected(PROD, replace(DEV, status=OrgStatus.DELETING))


def test_connections_of_an_org_list_every_active_family_member_production_first() -> None:
    gone = box("Gone", status=OrgStatus.DELETED)
    family = [UAT, gone, DEV, TEST, PROD, FOREIGN]
    conns = connections_of(TEST, family, [])
    assert [c.other.name for c in conns] == ["Prod", "Dev", "Uat"]


def test_connections_show_inbound_on_the_target_and_outbound_on_the_source() -> None:
    auths = [auth(PROD, TEST)]
    on_prod = {c.other.name: c for c in connections_of(PROD, [PROD, TEST], auths)}
    on_test = {c.other.name: c for c in connections_of(TEST, [PROD, TEST], auths)}
    assert (on_prod["Test"].allows_inbound, on_prod["Test"].accepts_outbound) == (True, False)
    assert (on_test["Prod"].allows_inbound, on_test["Prod"].accepts_outbound) == (False, True)


def test_promotion_paths_hold_active_orgs_and_authorized_directions_only() -> None:
    gone = box("Gone", status=OrgStatus.DELETED)
    auths = [auth(PROD, TEST), auth(DEV, PROD), auth(PROD, gone), auth(PROD, FOREIGN)]
    paths = promotion_paths([DEV, gone, TEST, PROD], auths)
    assert [o.name for o in paths.orgs] == ["Prod", "Dev", "Test"]
    assert [(s.name, t.name) for s, t in paths.edges] == [("Prod", "Dev"), ("Test", "Prod")]
    assert paths.allows(PROD, TEST) and not paths.allows(TEST, PROD)


def test_stale_authorizations_are_those_naming_the_identity_either_way() -> None:
    auths = [auth(PROD, DEV), auth(DEV, TEST), auth(TEST, PROD)]
    assert stale_authorizations(DEV.id, auths) == [auth(PROD, DEV), auth(DEV, TEST)]
