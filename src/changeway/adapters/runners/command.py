"""A test runner that is an operator's command: it gets the would-be org as a source-format
project and writes JUnit XML, which is parsed here."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from changeway.domain.testing import RunStatus, TestCase, TestOutcome, TestRun, summarize


class CommandTestRunner:
    """Runs ``command`` with CHANGEWAY_PROJECT_DIR, CHANGEWAY_JUNIT_FILE, CHANGEWAY_TEST_LEVEL
    and CHANGEWAY_TESTS (comma-separated names, for run_specified_tests) in its environment."""

    def __init__(self, command: str, *, timeout_seconds: float = 3600) -> None:
        self.command = command
        self.timeout_seconds = timeout_seconds

    def run(self, project: Path, *, level: str, tests: list[str]) -> TestRun:
        junit = project.parent / "junit.xml"
        env = {
            **os.environ,
            "CHANGEWAY_PROJECT_DIR": str(project),
            "CHANGEWAY_JUNIT_FILE": str(junit),
            "CHANGEWAY_TEST_LEVEL": level,
            "CHANGEWAY_TESTS": ",".join(tests),
        }
        try:
            done = subprocess.run(
                shlex.split(self.command),
                env=env,
                cwd=project,
                capture_output=True,
                text=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return TestRun(
                RunStatus.FAILED,
                f"the test runner timed out after {self.timeout_seconds:.0f} s",
                level,
            )
        except OSError as error:
            return TestRun(RunStatus.FAILED, f"the test runner could not start: {error}", level)
        if not junit.is_file():
            tail = (done.stderr or done.stdout).strip()[-500:]
            return TestRun(
                RunStatus.FAILED,
                f"the test runner exited with {done.returncode} and wrote no JUnit report: {tail}",
                level,
            )
        try:
            cases = parse_junit(junit.read_bytes())
        except ValueError as error:
            return TestRun(RunStatus.FAILED, f"unreadable JUnit report: {error}", level)
        return summarize(level, cases)


def parse_junit(data: bytes) -> list[TestCase]:
    """The test cases of a JUnit XML report (``testsuites`` or a single ``testsuite``)."""
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise ValueError(str(error)) from None
    cases = []
    for case in root.iter("testcase"):
        outcome, message = TestOutcome.PASSED, None
        for tag, kind in (
            ("failure", TestOutcome.FAILED),
            ("error", TestOutcome.ERROR),
            ("skipped", TestOutcome.SKIPPED),
        ):
            found = case.find(tag)
            if found is not None:
                outcome = kind
                message = (found.get("message") or found.text or "").strip() or None
                break
        cases.append(
            TestCase(
                classname=case.get("classname", ""),
                name=case.get("name", ""),
                outcome=outcome,
                message=message,
                seconds=float(case.get("time") or 0),
            )
        )
    return cases
