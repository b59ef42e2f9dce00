#!/usr/bin/env python3
"""An example test runner for changeway: checks the Apex test classes of the would-be org.

changeway runs the operator's runner command with the would-be state of the target org as a
source-format project, and reads the JUnit XML the runner writes. This runner cannot execute
Apex; it enforces what a release manager can check without an org: every test method of every
`@IsTest` class asserts something. Each test method becomes a JUnit test case that fails when
it has no assertion. Configure it with, for example:

    CHANGEWAY_TEST_RUNNER="python3 docs/examples/apex_test_lint_runner.py"

Environment it receives: CHANGEWAY_PROJECT_DIR (the project), CHANGEWAY_JUNIT_FILE (where to
write the report), CHANGEWAY_TEST_LEVEL (run_local_tests, run_all_tests or
run_specified_tests) and CHANGEWAY_TESTS (comma-separated class names, for
run_specified_tests).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

TEST_CLASS = re.compile(r"@isTest\b", re.IGNORECASE)
METHOD = re.compile(
    r"(?:@isTest\s+|\btestMethod\s+)(?:(?:public|private|global|static|void)\s+)*"
    r"(?:void\s+)?(\w+)\s*\(\s*\)\s*\{",
    re.IGNORECASE,
)
ASSERTION = re.compile(r"\b(?:System\.assert\w*|Assert\.\w+)\s*\(", re.IGNORECASE)
COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def method_bodies(source: str) -> dict[str, str]:
    """Each test method's body, found by matching braces after its signature."""
    bodies = {}
    for match in METHOD.finditer(source):
        depth, start = 1, match.end()
        position = start
        while depth and position < len(source):
            depth += {"{": 1, "}": -1}.get(source[position], 0)
            position += 1
        bodies[match.group(1)] = source[start:position]
    return bodies


def main() -> int:
    project = Path(os.environ["CHANGEWAY_PROJECT_DIR"])
    wanted = {t for t in os.environ.get("CHANGEWAY_TESTS", "").split(",") if t}
    cases = []
    for path in sorted(project.rglob("*.cls")):
        source = COMMENTS.sub("", path.read_text(encoding="utf-8", errors="replace"))
        if not TEST_CLASS.search(source) or (wanted and path.stem not in wanted):
            continue
        for method, body in method_bodies(source).items():
            failure = None if ASSERTION.search(body) else "test method asserts nothing"
            cases.append((path.stem, method, failure))
    lines = [f'<testsuite name="apex-lint" tests="{len(cases)}">']
    for classname, method, failure in cases:
        lines.append(f"  <testcase classname={quoteattr(classname)} name={quoteattr(method)}>")
        if failure:
            lines.append(f"    <failure message={quoteattr(failure)}/>")
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    Path(os.environ["CHANGEWAY_JUNIT_FILE"]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
