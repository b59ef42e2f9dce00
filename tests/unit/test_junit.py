"""JUnit reports and the command test runner: what a deployment makes of an operator's runner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from changeway.adapters.runners.command import CommandTestRunner, parse_junit
from changeway.domain.testing import RunStatus, summarize
from changeway.domain.testing import TestOutcome as Outcome

REPORT = b"""<?xml version="1.0"?>
<testsuites>
  <testsuite name="s1">
    <testcase classname="ATest" name="ok" time="0.25"/>
    <testcase classname="ATest" name="bad"><failure message="expected 1">trace</failure></testcase>
  </testsuite>
  <testsuite name="s2">
    <testcase classname="BTest" name="boom"><error>NullPointer</error></testcase>
    <testcase classname="BTest" name="later"><skipped/></testcase>
  </testsuite>
</testsuites>
"""


def test_parse_junit_reads_every_case_of_every_suite_with_its_outcome() -> None:
    cases = parse_junit(REPORT)
    assert [(c.classname, c.name, c.outcome) for c in cases] == [
        ("ATest", "ok", Outcome.PASSED),
        ("ATest", "bad", Outcome.FAILED),
        ("BTest", "boom", Outcome.ERROR),
        ("BTest", "later", Outcome.SKIPPED),
    ]


def test_parse_junit_keeps_failure_messages_and_times() -> None:
    cases = {c.name: c for c in parse_junit(REPORT)}
    assert cases["bad"].message == "expected 1"
    assert cases["boom"].message == "NullPointer"
    assert cases["ok"].seconds == 0.25


def test_parse_junit_reads_a_single_testsuite_root() -> None:
    cases = parse_junit(b'<testsuite><testcase classname="X" name="y"/></testsuite>')
    assert [(c.classname, c.name) for c in cases] == [("X", "y")]


def test_parse_junit_rejects_malformed_xml() -> None:
    with pytest.raises(ValueError):
        parse_junit(b"<testsuite><testcase>")


def test_parse_junit_rejects_entity_expansion() -> None:
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuite name="&a;"/>'
    with pytest.raises(ValueError):
        parse_junit(bomb)


def test_summary_of_no_cases_is_a_failure_never_a_pass() -> None:
    run = summarize("run_local_tests", [])
    assert run.status is RunStatus.FAILED
    assert run.message == "the test runner reported no tests"


def test_summary_counts_failures_and_errors() -> None:
    run = summarize("run_local_tests", parse_junit(REPORT))
    assert run.status is RunStatus.FAILED
    assert run.message == "2 of 4 tests failed"
    assert run.to_json()["failures"] == 2


RUNNER = """
import os, pathlib, sys
env = {k: os.environ.get(k, "") for k in (
    "CHANGEWAY_PROJECT_DIR", "CHANGEWAY_TEST_LEVEL", "CHANGEWAY_TESTS")}
pathlib.Path(os.environ["CHANGEWAY_PROJECT_DIR"]).joinpath("..", "seen.txt").write_text(
    repr((env, os.getcwd())))
mode = sys.argv[1]
if mode == "crash":
    print("runner exploded", file=sys.stderr)
    sys.exit(3)
junit = pathlib.Path(os.environ["CHANGEWAY_JUNIT_FILE"])
if mode == "garbage":
    junit.write_text("<not junit")
elif mode == "sleep":
    import time; time.sleep(10)
else:
    failure = '<failure message="no assert"/>' if mode == "fail" else ""
    junit.write_text(
        '<testsuite><testcase classname="ATest" name="t1">' + failure + "</testcase></testsuite>")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "scratch" / "project"
    folder.mkdir(parents=True)
    return folder


def runner(tmp_path: Path, mode: str, **options: float) -> CommandTestRunner:
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    return CommandTestRunner(f"{sys.executable} {script} {mode}", **options)


def test_command_runner_passes_when_the_report_has_only_passing_tests(
    tmp_path: Path, project: Path
) -> None:
    run = runner(tmp_path, "pass").run(project, level="run_local_tests", tests=[])
    assert run.status is RunStatus.PASSED
    assert run.message == "1 tests passed"
    assert [c.name for c in run.cases] == ["t1"]


def test_command_runner_fails_naming_the_failing_test(tmp_path: Path, project: Path) -> None:
    run = runner(tmp_path, "fail").run(project, level="run_local_tests", tests=[])
    assert run.status is RunStatus.FAILED
    assert [(c.classname, c.name, c.message) for c in run.cases] == [("ATest", "t1", "no assert")]


def test_command_runner_gives_the_project_level_and_tests_and_runs_in_the_project(
    tmp_path: Path, project: Path
) -> None:
    runner(tmp_path, "pass").run(project, level="run_specified_tests", tests=["ATest", "BTest"])
    env, cwd = eval((project.parent / "seen.txt").read_text())
    assert env == {
        "CHANGEWAY_PROJECT_DIR": str(project),
        "CHANGEWAY_TEST_LEVEL": "run_specified_tests",
        "CHANGEWAY_TESTS": "ATest,BTest",
    }
    assert Path(cwd).resolve() == project.resolve()


def test_command_runner_without_a_report_fails_with_exit_code_and_stderr(
    tmp_path: Path, project: Path
) -> None:
    run = runner(tmp_path, "crash").run(project, level="run_local_tests", tests=[])
    assert run.status is RunStatus.FAILED
    assert "exited with 3 and wrote no JUnit report" in run.message
    assert "runner exploded" in run.message


def test_command_runner_with_an_unreadable_report_fails(tmp_path: Path, project: Path) -> None:
    run = runner(tmp_path, "garbage").run(project, level="run_local_tests", tests=[])
    assert run.status is RunStatus.FAILED
    assert run.message.startswith("unreadable JUnit report")


def test_command_runner_that_times_out_fails(tmp_path: Path, project: Path) -> None:
    run = runner(tmp_path, "sleep", timeout_seconds=0.5).run(
        project, level="run_local_tests", tests=[]
    )
    assert run.status is RunStatus.FAILED
    assert "timed out" in run.message


def test_command_runner_that_cannot_start_fails(project: Path) -> None:
    run = CommandTestRunner("/nonexistent/runner-binary").run(
        project, level="run_local_tests", tests=[]
    )
    assert run.status is RunStatus.FAILED
    assert "could not start" in run.message
