"""Lists come in pages and nothing is capped; the audit trail filters by org, user, action
and time (docs/model.md, "Audit" and "Interfaces")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changeway.bootstrap import App
from changeway.domain.errors import Refused
from changeway.services import audit, jobs, orgs
from changeway.services.audit import record
from tests.cli_results import Invoke, data
from tests.helpers import allow, make_production, make_sandbox, user


def test_audit_pages_follow_each_other_without_gaps_or_repeats(app: App) -> None:
    make_production(app, "Prod")
    for name in ("Dev", "Test", "Uat"):
        make_sandbox(app, name)
    admin = user(app)
    whole = audit.list_audit(app, actor=admin, limit=1000)
    assert whole.next_cursor is None and len(whole.items) == 7
    seen, cursor = [], None
    while True:
        page = audit.list_audit(app, actor=admin, cursor=cursor, limit=2)
        assert len(page.items) <= 2
        seen += page.items
        if (cursor := page.next_cursor) is None:
            break
    assert [e.id for e in seen] == [e.id for e in whole.items]


def test_more_than_a_thousand_entries_are_all_listed(app: App, cw: Invoke) -> None:
    make_production(app, "Prod")
    make_sandbox(app, "Dev")
    admin = user(app)
    with app.uow() as uow:  # many entries, quickly: the trail only ever grows
        prod = uow.orgs.named("Prod")[0]
        for n in range(1100):
            record(uow, at=app.clock.now(), actor=admin, action="test.noted", org=prod, n=n)
        uow.commit()
    events = data(cw("audit", "--json"))
    assert len(events) == 3 + 1100  # nothing is capped at 1000 any more
    assert [e["details"]["n"] for e in events[3:]] == list(range(1100))
    only = data(cw("audit", "--action", "test", "--json"))
    assert len(only) == 1100 and {e["entrypoint"] for e in only} == {"cli"}


def test_bad_page_requests_are_refused(app: App) -> None:
    with pytest.raises(Refused, match="a page holds 1 to 1000 items, not 0"):
        orgs.list_orgs(app, actor=user(app), limit=0)
    with pytest.raises(Refused, match="invalid page cursor 'x'"):
        audit.list_audit(app, actor=user(app), cursor="x")


def test_audit_filters_by_user_action_and_time(app: App) -> None:
    make_production(app, "Prod")
    app.clock.advance(hours=1)
    middle = app.clock.now()
    make_sandbox(app, "Dev", actor="bob")
    app.clock.advance(hours=1)
    allow(app, "Prod", "Dev", actor="carol")
    admin = user(app)

    def actions(**filters: object) -> list[str]:
        return [e.action for e in audit.list_audit(app, actor=admin, **filters).items]  # type: ignore[arg-type]

    assert actions(user="bob") == ["sandbox.create_requested", "sandbox.copied"]
    assert actions(action="sandbox") == ["sandbox.create_requested", "sandbox.copied"]
    assert actions(action="connection.inbound_allowed") == ["connection.inbound_allowed"]
    assert actions(since=middle) == actions()[1:]
    assert actions(until=middle) == ["org.created"]
    assert actions(since=middle + timedelta(hours=1), user="carol") == [
        "connection.inbound_allowed"
    ]
    assert actions(org="Dev", user="carol") == []


def test_jobs_list_newest_first_in_pages(app: App) -> None:
    make_production(app, "Prod")
    for name in ("Dev", "Test", "Uat"):
        make_sandbox(app, name)
    admin = user(app)
    first = jobs.list_jobs(app, actor=admin, limit=2)
    second = jobs.list_jobs(app, actor=admin, cursor=first.next_cursor, limit=2)
    ids = [j.id for j in first.items + second.items]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3 and second.next_cursor is None


def test_org_list_pages(app: App) -> None:
    for name in ("A", "B", "C"):
        make_production(app, name)
    page = orgs.list_orgs(app, actor=user(app), limit=2)
    rest = orgs.list_orgs(app, actor=user(app), cursor=page.next_cursor, limit=2)
    assert [s.org.name for s in page.items + rest.items] == ["A", "B", "C"]
