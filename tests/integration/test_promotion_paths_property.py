"""Property: whatever happens to families, connections and uploads follow docs/model.md
("Connections and authorization") exactly.

A state machine drives the real services on a fresh SQLite store per example: productions,
sandboxes created (or cloned), deleted, refreshed then activated or discarded, the clock
moving, and inbound authorizations allowed and revoked between any two orgs. An independent
model in this file predicts every outcome: which requests are refused, which pairs are
connected (every two distinct active orgs of one family), and which uploads ``can_upload``
allows (exactly the authorized directions between current identities).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from changeway.bootstrap import bootstrap
from changeway.domain.clock import FixedClock
from changeway.domain.connections import can_upload
from changeway.domain.errors import ChangewayError
from changeway.domain.jobs import JobStatus
from changeway.domain.orgs import OrgKind
from changeway.services import connections, orgs, sandboxes
from changeway.services.jobs import run_next
from tests import stores
from tests.helpers import T0, WORKER, user

PRODUCTIONS = ("Alpha", "Beta", "Gamma")
SANDBOX_NAMES = ("Dev", "Test", "Uat", "Qa", "Hot")
KINDS = (OrgKind.DEVELOPER, OrgKind.DEVELOPER_PRO, OrgKind.PARTIAL, OrgKind.FULL)
LIMIT = {OrgKind.DEVELOPER: 100, OrgKind.DEVELOPER_PRO: 5, OrgKind.PARTIAL: 1, OrgKind.FULL: 1}
INTERVAL = {OrgKind.DEVELOPER: 1, OrgKind.DEVELOPER_PRO: 1, OrgKind.PARTIAL: 5, OrgKind.FULL: 29}

Key = tuple[str, str]  # (production name, org name); a production is (name, name)


@dataclass
class ModelOrg:
    kind: OrgKind
    copied_at: datetime
    live: bool = True
    ids: list[str] = field(default_factory=list)  # identities, the current one last


class PromotionPaths(RuleBasedStateMachine):
    """The real store and an independent model, driven by the same operations."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="cw-prop-"))
        self._store = stores.store("sqlite", self.tmp)
        settings_, _ = self._store.__enter__()
        self.clock = FixedClock(T0)
        self.app = bootstrap(settings_, clock=self.clock, upgrade=True)
        self.actor = user(self.app)
        self.model: dict[Key, ModelOrg] = {}
        self.auths: set[tuple[Key, Key]] = set()  # (target, source)

    def teardown(self) -> None:
        self.app.close()
        self._store.__exit__(None, None, None)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers -----------------------------------------------------------------------------

    def live(self, family: str | None = None) -> list[Key]:
        return [k for k, o in self.model.items() if o.live and family in (None, k[0])]

    def pick(self, keys: list[Key], index: int) -> Key | None:
        return sorted(keys)[index % len(keys)] if keys else None

    @staticmethod
    def ref(key: Key) -> str:
        return f"{key[0]}/{key[1]}"

    def run(self, job_id: int) -> None:
        done = run_next(
            self.app.uow, clock=self.clock, worker=WORKER, handlers=self.app.handlers, job_id=job_id
        )
        assert done is not None and done.status is JobStatus.SUCCEEDED, done

    def forget_authorizations_of(self, key: Key) -> None:
        self.auths = {a for a in self.auths if key not in a}

    def expect(self, allowed: bool, action: Callable[[], Any]) -> Any:
        """Run ``action``; it must succeed when the model allows it and be refused otherwise."""
        if allowed:
            return action()
        with pytest.raises(ChangewayError):
            action()
        return None

    # --- operations --------------------------------------------------------------------------

    @initialize(
        name=st.sampled_from(PRODUCTIONS),
        names=st.lists(st.sampled_from(SANDBOX_NAMES), min_size=1, max_size=3),
        paths=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=6),
    )
    def first_family(self, name: str, names: list[str], paths: list[tuple[int, int]]) -> None:
        """A production with some developer sandboxes and promotion paths to start from."""
        self.create_production(name)
        for sandbox in names:
            self.create_sandbox(0, sandbox, OrgKind.DEVELOPER, None)
        for receiver, sender in paths:
            self.allow_inbound(receiver, sender, False)

    @rule(name=st.sampled_from(PRODUCTIONS))
    def create_production(self, name: str) -> None:
        allowed = (name, name) not in self.model

        def act() -> Any:
            return orgs.create_production(self.app, actor=self.actor, name=name)

        created = self.expect(allowed, act)
        if created is not None:
            self.model[(name, name)] = ModelOrg(
                OrgKind.PRODUCTION, self.clock.now(), ids=[created.id]
            )

    @rule(
        family=st.integers(0, 10),
        name=st.sampled_from(SANDBOX_NAMES),
        kind=st.sampled_from(KINDS),
        clone=st.one_of(st.none(), st.integers(0, 20)),
    )
    def create_sandbox(self, family: int, name: str, kind: OrgKind, clone: int | None) -> None:
        productions = sorted({k[0] for k in self.model})
        production = productions[family % len(productions)]
        members = [k for k in self.model if k[0] == production and k[1] != production]
        source: Key = (production, production)
        if clone is not None and members:
            source = self.pick(members, clone)
        live = [self.model[k] for k in self.live(production) if k[1] != production]
        allowed = (
            self.model[source].live
            and (production, name) not in self.live(production)
            and sum(1 for o in live if o.kind is kind) < LIMIT[kind]
        )

        def act() -> Any:
            return sandboxes.create_sandbox(
                self.app, actor=self.actor, name=name, kind=kind, source=self.ref(source)
            )

        created = self.expect(allowed, act)
        if created is not None:
            sandbox, job = created
            self.run(job.id)
            self.model[(production, name)] = ModelOrg(kind, self.clock.now(), ids=[sandbox.id])

    @rule(which=st.integers(0, 20))
    def delete_sandbox(self, which: int) -> None:
        key = self.pick([k for k in self.model if k[0] != k[1]], which)
        if key is None:
            return
        allowed = self.model[key].live

        def act() -> Any:
            return sandboxes.delete_sandbox(self.app, actor=self.actor, ref=self.ref(key))

        deleted = self.expect(allowed, act)
        if deleted is not None:
            self.run(deleted[1].id)
            self.model[key].live = False
            self.forget_authorizations_of(key)

    @rule(which=st.integers(0, 20), keep=st.booleans(), wait=st.booleans())
    def refresh_sandbox(self, which: int, keep: bool, wait: bool) -> None:
        """Refresh, then activate (``keep``) or discard; ``wait`` first waits out the interval."""
        key = self.pick([k for k in self.live() if k[0] != k[1]], which)
        if key is None:
            return
        sandbox = self.model[key]
        if wait:
            self.clock.advance(days=INTERVAL[sandbox.kind])
        allowed = self.clock.now() >= sandbox.copied_at + timedelta(days=INTERVAL[sandbox.kind])

        def act() -> Any:
            return sandboxes.refresh_sandbox(self.app, actor=self.actor, ref=self.ref(key))

        started = self.expect(allowed, act)
        if started is None:
            return
        copy, job = started
        self.run(job.id)
        if keep:
            sandboxes.activate_sandbox(self.app, actor=self.actor, ref=self.ref(key))
        else:
            sandboxes.discard_refresh(self.app, actor=self.actor, ref=self.ref(key))
        event("refresh activated" if keep else "refresh discarded")
        if keep:
            event(f"activation drops {sum(1 for a in self.auths if key in a) > 0} authorizations")
            sandbox.ids.append(copy.id)
            sandbox.copied_at = self.clock.now()
            self.forget_authorizations_of(key)

    @rule(days=st.sampled_from([0.5, 1, 4, 5, 29]))
    def time_passes(self, days: float) -> None:
        self.clock.advance(days=days)

    @rule(receiver=st.integers(0, 30), sender=st.integers(0, 30), anywhere=st.booleans())
    def allow_inbound(self, receiver: int, sender: int, anywhere: bool) -> None:
        """Mostly within the receiver's family (the useful case), sometimes from anywhere."""
        to = self.pick(list(self.model), receiver)
        assert to is not None
        senders = [k for k in self.model if anywhere or k[0] == to[0]]
        frm = self.pick(senders, sender)
        assert frm is not None
        allowed = (
            self.model[to].live
            and self.model[frm].live
            and to[0] == frm[0]
            and to != frm
            and (to, frm) not in self.auths
        )

        def act() -> Any:
            return connections.allow_inbound(
                self.app, actor=self.actor, target=self.ref(to), source=self.ref(frm)
            )

        if self.expect(allowed, act) is not None:
            self.auths.add((to, frm))

    @rule(pair=st.integers(0, 30))
    def revoke_inbound(self, pair: int) -> None:
        if not self.auths:
            return
        to, frm = sorted(self.auths)[pair % len(self.auths)]
        connections.revoke_inbound(
            self.app, actor=self.actor, target=self.ref(to), source=self.ref(frm)
        )
        self.auths.discard((to, frm))

    # --- what must always hold ---------------------------------------------------------------

    @invariant()
    def connections_are_exactly_the_distinct_active_pairs_of_a_family(self) -> None:
        for key in self.live():
            conns = connections.list_connections(self.app, actor=self.actor, org=self.ref(key))
            shown = {(c.other.name, c.allows_inbound, c.accepts_outbound) for c in conns}
            expected = {
                (other[1], (key, other) in self.auths, (other, key) in self.auths)
                for other in self.live(key[0])
                if other != key
            }
            assert shown == expected, key

    @invariant()
    def can_upload_is_exactly_the_authorized_set(self) -> None:
        with self.app.uow() as uow:
            stored = uow.orgs.all(include_gone=True)
            auths = uow.authorizations.for_orgs(o.id for o in stored)
        current = {o.ids[-1]: k for k, o in self.model.items() if o.live}
        expected = {(current_id, k) for current_id, k in current.items()}
        assert {(o.id, current[o.id]) for o in stored if o.id in current} == expected
        by_key = {k: i for i, k in current.items()}
        assert {(a.target_id, a.source_id) for a in auths} == {
            (by_key[to], by_key[frm]) for to, frm in self.auths
        }, "stored authorizations must be exactly the live ones"
        for source in stored:
            for target in stored:
                model_says = (
                    source.id in current
                    and target.id in current
                    and (current[target.id], current[source.id]) in self.auths
                )
                assert can_upload(source, target, auths) is model_says, (source.name, target.name)


PromotionPaths.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPromotionPaths = PromotionPaths.TestCase
