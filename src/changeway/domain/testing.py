"""Test results as runners report them (JUnit), and what a deployment makes of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TestOutcome(StrEnum):
    """How one test ended."""

    __test__ = False  # a domain type, not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestCase:
    """One test: ``classname.name``, its outcome, the failure message and time."""

    __test__ = False  # a domain type, not a pytest test class

    classname: str
    name: str
    outcome: TestOutcome
    message: str | None = None
    seconds: float = 0.0


class RunStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"


@dataclass(frozen=True)
class TestRun:
    """The tests a deployment ran, or why none ran (never "passed" when none ran)."""

    __test__ = False  # a domain type, not a pytest test class

    status: RunStatus
    message: str
    level: str
    cases: list[TestCase] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status is RunStatus.FAILED

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "message": self.message,
            "level": self.level,
            "total": len(self.cases),
            "failures": sum(
                c.outcome in (TestOutcome.FAILED, TestOutcome.ERROR) for c in self.cases
            ),
            "tests": [
                {
                    "class": c.classname,
                    "name": c.name,
                    "outcome": c.outcome.value,
                    "message": c.message,
                    "seconds": c.seconds,
                }
                for c in self.cases
            ],
        }


def summarize(level: str, cases: list[TestCase]) -> TestRun:
    """A run's status from its cases: failed if any failed or errored."""
    bad = [c for c in cases if c.outcome in (TestOutcome.FAILED, TestOutcome.ERROR)]
    if not cases:
        return TestRun(RunStatus.FAILED, "the test runner reported no tests", level, cases)
    if bad:
        return TestRun(RunStatus.FAILED, f"{len(bad)} of {len(cases)} tests failed", level, cases)
    return TestRun(RunStatus.PASSED, f"{len(cases)} tests passed", level, cases)
