"""Pure rules of docs/model.md, "Orgs and families": sandbox names, types, limits, refresh
intervals, lifecycle checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from changeway.domain.errors import Refused
from changeway.domain.orgs import (
    DEFAULT_MAX_SANDBOXES,
    DEFAULT_REFRESH_DAYS,
    SANDBOX_KINDS,
    Org,
    OrgKind,
    OrgStatus,
    SandboxLimits,
    check_sandbox_name,
    new_production,
    next_refresh_allowed,
    plan_new_sandbox,
    plan_refresh,
    refresh_source,
    require_pending_activation,
)
from tests.helpers import T0

PROD = new_production(name="Prod", now=T0)
OTHER_PROD = new_production(name="Other", now=T0)


def sandbox(
    name: str,
    kind: OrgKind = OrgKind.DEVELOPER,
    *,
    production: Org = PROD,
    status: OrgStatus = OrgStatus.ACTIVE,
    copied_days_ago: float = 0,
    **changes: object,
) -> Org:
    copied = T0 - timedelta(days=copied_days_ago)
    org = Org(
        id=f"0SB{name}{status.value}"[:15],
        name=name,
        kind=kind,
        production_id=production.id,
        status=status,
        created_at=copied,
        copied_at=copied,
    )
    return replace(org, **changes)  # type: ignore[arg-type]


def plan(name: str, kind: OrgKind = OrgKind.DEVELOPER, *, family: list[Org], source: Org = PROD):
    return plan_new_sandbox(
        name=name, kind=kind, production=PROD, source=source, family=[PROD, *family], now=T0
    )


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["D", "Dev", "dev2", "QA1", "Abcdefghij", "z123456789"])
def test_sandbox_names_of_one_to_ten_letters_and_digits_starting_with_a_letter_are_accepted(
    name: str,
) -> None:
    check_sandbox_name(name)


@pytest.mark.parametrize(
    "name",
    ["", "1Dev", "Abcdefghijk", "Dev-1", "Dev_1", "Dev 1", "Dév", "_dev", "dev/x", "Dev\n"],
)
def test_sandbox_names_breaking_the_pattern_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(Refused) as refused:
        check_sandbox_name(name)
    assert repr(name) in str(refused.value)
    assert "1-10 letters and digits, starting with a letter" in str(refused.value)


def test_invalid_name_is_refused_before_the_sandbox_is_planned() -> None:
    with pytest.raises(Refused, match="invalid sandbox name 'Dev-1'"):
        plan("Dev-1", family=[])


def test_name_already_in_the_family_is_refused_case_insensitively() -> None:
    with pytest.raises(Refused) as refused:
        plan("DEV", family=[sandbox("Dev")])
    assert str(refused.value) == "a sandbox named Dev exists in Prod's family"


def test_name_of_a_sandbox_being_deleted_cannot_be_reused() -> None:
    with pytest.raises(Refused, match="a sandbox named Dev is being deleted in Prod's family"):
        plan("dev", family=[sandbox("Dev", status=OrgStatus.DELETING)])


@pytest.mark.parametrize("status", [OrgStatus.PENDING, OrgStatus.PROCESSING])
def test_name_of_a_sandbox_still_being_created_is_taken(status: OrgStatus) -> None:
    with pytest.raises(Refused, match="a sandbox named Dev exists"):
        plan("Dev", family=[sandbox("Dev", status=status)])


def test_name_of_a_deleted_sandbox_is_free_again() -> None:
    planned = plan("Dev", family=[sandbox("Dev", status=OrgStatus.DELETED)])
    assert planned.status is OrgStatus.PENDING


def test_activated_refresh_copy_still_holds_its_name() -> None:
    old = sandbox("Dev", status=OrgStatus.REPLACED)
    current = sandbox("Dev", replaces_id=old.id, id="0SBnewidentity1")
    with pytest.raises(Refused, match="a sandbox named Dev exists"):
        plan("Dev", family=[old, current])


def test_refresh_copy_waiting_for_activation_is_not_a_second_holder_of_the_name() -> None:
    live = sandbox("Dev")
    copy = sandbox("Dev", status=OrgStatus.PENDING_ACTIVATION, replaces_id=live.id, id="0SBc")
    assert copy.is_refresh_copy and not live.is_refresh_copy
    with pytest.raises(Refused, match="a sandbox named Dev exists"):
        plan("Dev", family=[live, copy])


# --- types and limits ------------------------------------------------------------------------


def test_default_limits_per_type_are_those_of_the_spec() -> None:
    assert DEFAULT_MAX_SANDBOXES == {
        OrgKind.DEVELOPER: 100,
        OrgKind.DEVELOPER_PRO: 5,
        OrgKind.PARTIAL: 1,
        OrgKind.FULL: 1,
    }
    assert DEFAULT_REFRESH_DAYS == {
        OrgKind.DEVELOPER: 1,
        OrgKind.DEVELOPER_PRO: 1,
        OrgKind.PARTIAL: 5,
        OrgKind.FULL: 29,
    }
    assert PROD.limits == SandboxLimits()


def test_there_are_four_sandbox_types() -> None:
    assert {k.value for k in SANDBOX_KINDS} == {"developer", "developer_pro", "partial", "full"}


def test_production_is_not_a_sandbox_type() -> None:
    with pytest.raises(Refused, match="production is not a sandbox type"):
        plan("Dev", OrgKind.PRODUCTION, family=[])


@pytest.mark.parametrize("kind", SANDBOX_KINDS)
def test_one_more_sandbox_than_the_type_limit_is_refused_with_the_limit(kind: OrgKind) -> None:
    allowed = DEFAULT_MAX_SANDBOXES[kind]
    family = [sandbox(f"S{i}", kind, id=f"0SBx{i}") for i in range(allowed)]
    with pytest.raises(Refused) as refused:
        plan("Extra", kind, family=family)
    plural = "es" if allowed != 1 else ""
    assert str(refused.value) == (
        f"Prod may have at most {allowed} {kind.value} sandbox{plural}; it has {allowed}"
    )


@pytest.mark.parametrize("kind", SANDBOX_KINDS)
def test_the_last_sandbox_within_the_type_limit_is_allowed(kind: OrgKind) -> None:
    allowed = DEFAULT_MAX_SANDBOXES[kind]
    family = [sandbox(f"S{i}", kind, id=f"0SBx{i}") for i in range(allowed - 1)]
    assert plan("Last", kind, family=family).kind is kind


def test_limit_counts_only_sandboxes_of_the_same_type() -> None:
    family = [sandbox("Full1", OrgKind.FULL), sandbox("Part1", OrgKind.PARTIAL)]
    assert plan("Dev", OrgKind.DEVELOPER, family=family).kind is OrgKind.DEVELOPER


def test_deleted_sandboxes_do_not_count_against_the_limit() -> None:
    gone = sandbox("Full1", OrgKind.FULL, status=OrgStatus.DELETED)
    assert plan("Full2", OrgKind.FULL, family=[gone]).kind is OrgKind.FULL


def test_a_sandbox_being_deleted_still_counts_against_the_limit() -> None:
    going = sandbox("Full1", OrgKind.FULL, status=OrgStatus.DELETING)
    with pytest.raises(Refused, match="at most 1 full sandbox; it has 1"):
        plan("Full2", OrgKind.FULL, family=[going])


def test_limits_are_settings_of_the_production_org() -> None:
    limits = SandboxLimits()
    limits.max_sandboxes[OrgKind.DEVELOPER] = 1
    strict = replace(PROD, limits=limits)
    with pytest.raises(Refused, match="Prod may have at most 1 developer sandbox; it has 1"):
        plan_new_sandbox(
            name="Two",
            kind=OrgKind.DEVELOPER,
            production=strict,
            source=strict,
            family=[strict, sandbox("One")],
            now=T0,
        )


def test_limits_survive_a_json_round_trip_with_partial_settings() -> None:
    limits = SandboxLimits.from_json({"max_sandboxes": {"full": 3}, "refresh_days": {"partial": 2}})
    assert limits.max_sandboxes[OrgKind.FULL] == 3
    assert limits.max_sandboxes[OrgKind.DEVELOPER] == 100
    assert limits.refresh_days[OrgKind.PARTIAL] == 2
    assert SandboxLimits.from_json(limits.to_json()) == limits


# --- create and clone ------------------------------------------------------------------------


def test_new_sandbox_is_pending_with_a_fresh_sandbox_id_in_the_production_family() -> None:
    planned = plan("Dev", family=[])
    assert planned.status is OrgStatus.PENDING
    assert planned.production_id == PROD.id
    assert planned.id.startswith("0SB") and len(planned.id) == 15
    assert planned.source_id is None


def test_production_ids_and_sandbox_ids_are_unique() -> None:
    assert len({plan("Dev", family=[]).id for _ in range(50)}) == 50
    assert PROD.id.startswith("00D") and PROD.production_id == PROD.id


def test_clone_remembers_the_sandbox_it_copies() -> None:
    source = sandbox("Dev")
    clone = plan("Dev2", family=[source], source=source)
    assert clone.source_id == source.id


def test_clone_from_another_family_is_refused() -> None:
    foreign = sandbox("Dev", production=OTHER_PROD)
    with pytest.raises(Refused) as refused:
        plan("Clone", family=[], source=foreign)
    assert str(refused.value) == "cannot clone Dev: it belongs to another family than Prod"


@pytest.mark.parametrize(
    "status", [OrgStatus.DELETING, OrgStatus.DELETED, OrgStatus.PENDING_ACTIVATION]
)
def test_clone_of_an_inactive_sandbox_is_refused_naming_its_state(status: OrgStatus) -> None:
    source = sandbox("Dev", status=status)
    with pytest.raises(Refused, match=f"cannot copy from Dev: it is {status.value}"):
        plan("Clone", family=[source], source=source)


def test_sandbox_of_an_inactive_production_is_refused() -> None:
    closed = replace(PROD, status=OrgStatus.DELETED)
    with pytest.raises(Refused, match="cannot create a sandbox in Prod: it is deleted"):
        plan_new_sandbox(
            name="Dev", kind=OrgKind.DEVELOPER, production=closed, source=closed, family=[], now=T0
        )


# --- refresh ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (OrgKind.DEVELOPER, 1),
        (OrgKind.DEVELOPER_PRO, 1),
        (OrgKind.PARTIAL, 5),
        (OrgKind.FULL, 29),
    ],
)
def test_refresh_is_allowed_exactly_one_interval_after_the_last_copy(
    kind: OrgKind, days: int
) -> None:
    org = sandbox("Box", kind, copied_days_ago=days)
    assert next_refresh_allowed(org, PROD) == T0
    copy = plan_refresh(sandbox=org, production=PROD, family=[PROD, org], now=T0)
    assert copy.status is OrgStatus.PENDING


@pytest.mark.parametrize(
    ("kind", "days"),
    [
        (OrgKind.DEVELOPER, 1),
        (OrgKind.DEVELOPER_PRO, 1),
        (OrgKind.PARTIAL, 5),
        (OrgKind.FULL, 29),
    ],
)
def test_refresh_before_the_interval_is_refused_saying_when_it_is_allowed(
    kind: OrgKind, days: int
) -> None:
    org = sandbox("Box", kind, copied_days_ago=days - 0.5)
    allowed_at = T0 + timedelta(days=0.5)
    with pytest.raises(Refused) as refused:
        plan_refresh(sandbox=org, production=PROD, family=[PROD, org], now=T0)
    message = str(refused.value)
    assert f"a {kind.value} sandbox can be refreshed again from" in message
    assert allowed_at.strftime("%Y-%m-%d %H:%M UTC") in message


def test_refresh_interval_is_a_setting_of_the_production_org() -> None:
    limits = SandboxLimits()
    limits.refresh_days[OrgKind.DEVELOPER] = 3
    org = sandbox("Box", copied_days_ago=2)
    with pytest.raises(Refused, match="refreshed again from"):
        plan_refresh(sandbox=org, production=replace(PROD, limits=limits), family=[org], now=T0)


def test_refresh_gives_a_new_id_and_keeps_name_type_and_source() -> None:
    source = sandbox("Dev")
    org = sandbox("Box", OrgKind.PARTIAL, copied_days_ago=5, source_id=source.id)
    copy = plan_refresh(sandbox=org, production=PROD, family=[PROD, source, org], now=T0)
    assert copy.id != org.id and copy.id.startswith("0SB")
    assert (copy.name, copy.kind, copy.source_id) == ("Box", OrgKind.PARTIAL, source.id)
    assert copy.replaces_id == org.id
    assert copy.copied_at is None
    assert copy.is_refresh_copy


def test_refresh_of_a_production_org_is_refused() -> None:
    with pytest.raises(Refused, match="cannot refresh Prod: it is a production org, not a sandbox"):
        plan_refresh(sandbox=PROD, production=PROD, family=[PROD], now=T0 + timedelta(days=90))


@pytest.mark.parametrize("status", [OrgStatus.DELETING, OrgStatus.DELETED, OrgStatus.REPLACED])
def test_refresh_of_an_inactive_sandbox_is_refused_naming_its_state(status: OrgStatus) -> None:
    org = sandbox("Box", status=status, copied_days_ago=10)
    with pytest.raises(Refused, match=f"cannot refresh Box: it is {status.value}"):
        plan_refresh(sandbox=org, production=PROD, family=[org], now=T0)


@pytest.mark.parametrize(
    "status", [OrgStatus.PENDING, OrgStatus.PROCESSING, OrgStatus.PENDING_ACTIVATION]
)
def test_refresh_while_a_refresh_waits_is_refused(status: OrgStatus) -> None:
    org = sandbox("Box", copied_days_ago=10)
    waiting = sandbox("Box", status=status, replaces_id=org.id, id="0SBwaiting")
    with pytest.raises(Refused) as refused:
        plan_refresh(sandbox=org, production=PROD, family=[org, waiting], now=T0)
    assert str(refused.value) == (
        f"Box already has a refresh that is {status.value}; activate or discard it first"
    )


def test_refresh_after_a_discarded_refresh_is_allowed() -> None:
    org = sandbox("Box", copied_days_ago=10)
    thrown = sandbox("Box", status=OrgStatus.DISCARDED, replaces_id=org.id, id="0SBthrown")
    assert plan_refresh(sandbox=org, production=PROD, family=[org, thrown], now=T0).replaces_id


def test_clone_refreshes_from_its_source_while_the_source_is_active() -> None:
    source = sandbox("Dev")
    clone = sandbox("Clone", source_id=source.id)
    assert refresh_source(clone, [PROD, source, clone]) == source.id


def test_clone_refreshes_from_production_once_its_source_is_gone() -> None:
    source = sandbox("Dev", status=OrgStatus.DELETED)
    clone = sandbox("Clone", source_id=source.id)
    assert refresh_source(clone, [PROD, source, clone]) == PROD.id


def test_sandbox_created_from_production_refreshes_from_production() -> None:
    org = sandbox("Dev")
    assert refresh_source(org, [PROD, org]) == PROD.id


# --- activate / discard ----------------------------------------------------------------------


def test_activate_without_any_refresh_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        require_pending_activation(None, sandbox("Dev"), "activate")
    assert str(refused.value) == ("cannot activate Dev: it has no refresh, not pending_activation")


@pytest.mark.parametrize("status", [OrgStatus.PROCESSING, OrgStatus.DISCARDED])
def test_discard_of_a_refresh_that_is_not_waiting_is_refused_naming_its_state(
    status: OrgStatus,
) -> None:
    org = sandbox("Dev")
    copy = sandbox("Dev", status=status, replaces_id=org.id)
    with pytest.raises(Refused, match=f"cannot discard Dev: its refresh is {status.value}"):
        require_pending_activation(copy, org, "discard")


def test_refresh_copy_waiting_for_activation_is_returned() -> None:
    org = sandbox("Dev")
    copy = sandbox("Dev", status=OrgStatus.PENDING_ACTIVATION, replaces_id=org.id)
    assert require_pending_activation(copy, org, "activate") is copy


def test_activate_on_a_production_org_is_refused() -> None:
    with pytest.raises(Refused, match="cannot activate Prod: it is a production org"):
        require_pending_activation(None, PROD, "activate")


# --- production orgs -------------------------------------------------------------------------


def test_new_production_is_active_refuses_direct_changes_and_has_default_limits() -> None:
    org = new_production(name="Acme Corp", now=T0)
    assert org.status is OrgStatus.ACTIVE and org.is_production
    assert not org.allow_direct_changes
    assert org.limits == SandboxLimits()


@pytest.mark.parametrize("name", ["", "1Acme", "a/b", "x" * 81, "Acme\tCorp"])
def test_bad_production_names_are_refused(name: str) -> None:
    with pytest.raises(Refused, match="invalid org name"):
        new_production(name=name, now=T0)
