"""The operations table: every operation runs a real function whose parameters match its
HTTP path, so the CLI and the API reach the same thing by the same name."""

from __future__ import annotations

import inspect
import re

import pytest

from changeway.operations import OPERATIONS, Operation

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("op", OPERATIONS.values(), ids=lambda op: op.name)
def test_each_operation_runs_a_function_taking_its_path_parameters(op: Operation) -> None:
    assert op.method in METHODS
    signature = inspect.signature(op.run)
    ctx, actor, *rest = signature.parameters.values()
    assert (ctx.name, actor.name) == ("ctx", "actor")
    keyword = {p.name for p in rest if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keyword == {p.name for p in rest}, "parameters after the actor are keyword-only"
    for name in re.findall(r"{(\w+)}", op.path):
        assert name in keyword, f"{op.name}: {name} of {op.path} is not a parameter"
    if op.upload:
        assert op.upload in keyword and op.method == "POST"
    if op.paged:
        assert {"cursor", "limit"} <= keyword


def test_no_two_operations_share_an_endpoint() -> None:
    endpoints = [(op.method, re.sub(r"{\w+}", "{}", op.path)) for op in OPERATIONS.values()]
    assert len(endpoints) == len(set(endpoints))


def test_reading_operations_change_nothing_by_their_method() -> None:
    readers = [op for op in OPERATIONS.values() if op.method == "GET"]
    assert all(not op.long and not op.upload for op in readers)
    assert {op.name for op in OPERATIONS.values() if op.long} == {
        "sandbox.create",
        "sandbox.refresh",
        "sandbox.delete",
        "inbound.validate",
        "inbound.deploy",
        "deployment.quick_deploy",
        "deployment.rollback",
    }
