"""Salesforce-shaped ids (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeway.domain import salesforce_ids as ids
from changeway.domain.errors import NotFound


def test_the_18_character_suffix_is_salesforces() -> None:
    assert ids.to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert ids.to_18("00D000000000000") == "00D000000000000EAA"


def test_sandbox_and_production_ids_are_organization_ids_on_the_wire() -> None:
    assert ids.org_id("0SBYE61pRwuggl0").startswith("00DYE61pRwuggl0")
    assert ids.org_id("00D6sOyuuvqRMsm")[:15] == "00D6sOyuuvqRMsm"


@given(st.integers(min_value=1, max_value=2**62))
def test_numbered_ids_read_back(number: int) -> None:
    made = ids.numbered(ids.DEPLOY_REQUEST, number)
    assert len(made) == 18 and made.startswith("0Af")
    assert ids.number_of(ids.DEPLOY_REQUEST, made, what="x") == number
    assert ids.number_of(ids.DEPLOY_REQUEST, made[:15], what="x") == number


@pytest.mark.parametrize(
    "text",
    ["", "0Af", "09S000000000001", "0Af000000000000", "0Af00000000000!AAA", "0Af000000000001ZZZ"],
)
def test_other_ids_are_not_found(text: str) -> None:
    with pytest.raises(NotFound, match="no deploy request"):
        ids.number_of(ids.DEPLOY_REQUEST, text, what="deploy request")
