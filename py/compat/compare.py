"""Compares the junit files of the two runs of redis-py's tests (``run.py``).

Counted: tests that passed under redis-py, are not in ``excluded.txt`` and exercise the
client, that is got a slotwise client in the slotwise run (the junit property
``slotwise_client`` set by ``slotwise_fixtures``) or did not pass there. A test that passes
in both runs without ever getting a slotwise client (it builds redis-py objects itself) is
shown as "no client" and not counted. Prints per file: redis-py passed, excluded, no
client, counted, slotwise passed of those, ratio; then the sync and asyncio totals and the
most frequent failure causes. Writes every counted failure (test id and message) to a file.

    python py/compat/compare.py SUITE BASELINE.xml SLOTWISE.xml EXCLUDED.txt FAILURES.txt
"""

from __future__ import annotations

import fnmatch
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple


@dataclass
class Result:
    passed: bool
    client: bool
    message: str


def node_id(suite: Path, classname: str, name: str) -> str:
    """pytest's test id from junit's dotted ``classname``: the longest dotted prefix that
    names a file of the suite is the module, the rest the class."""
    parts = classname.split(".")
    for i in range(len(parts), 0, -1):
        path = "/".join(parts[:i]) + ".py"
        if (suite / path).is_file():
            return "::".join([path, *parts[i:], name])
    return "::".join([classname, name])


def load(suite: Path, junit: Path) -> Dict[str, Result]:
    results: Dict[str, Result] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        tid = node_id(suite, case.get("classname", ""), case.get("name", ""))
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        skipped = case.find("skipped") is not None
        props = {p.get("name") for p in case.iter("property")}
        message = ""
        if bad is not None:
            message = (bad.get("message") or bad.text or "").strip().splitlines()[:1]
            message = message[0] if message else bad.tag
        if tid in results and not results[tid].passed:
            continue  # an error in teardown after a failure: keep the first
        results[tid] = Result(
            passed=bad is None and not skipped,
            client="slotwise_client" in props,
            message=message,
        )
    return results


def load_excluded(path: Path) -> List[Tuple[str, str]]:
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition("|")
        if not reason.strip():
            raise SystemExit(f"{path}: every line is `pattern | reason`: {line!r}")
        rules.append((pattern.strip(), reason.strip()))
    return rules


def excluded_by(tid: str, rules: List[Tuple[str, str]]) -> Optional[str]:
    base = tid.split("[", 1)[0]
    for pattern, reason in rules:
        if fnmatch.fnmatchcase(tid, pattern) or fnmatch.fnmatchcase(base, pattern):
            return reason
    return None


def cause(message: str) -> str:
    """A failure message made into a cause to count: values and addresses dropped."""
    m = re.match(r"(\w+Error): '(\w+)' object has no attribute '(\w+)'", message)
    if m:
        return f"{m.group(1)}: no attribute '{m.group(3)}'"
    m = re.match(r"(\w+Error): .*got an unexpected keyword argument '(\w+)'", message)
    if m:
        return f"{m.group(1)}: unexpected keyword '{m.group(2)}'"
    message = re.sub(r"0x[0-9a-f]+|127\.0\.0\.1:\d+", "…", message)
    message = re.sub(r"^assert .*", "assert (reply differs)", message)
    return message[:110]


def report(suite: Path, baseline: Path, slotwise: Path, excluded: Path, failures: Path,
           require_all: bool = False) -> bool:
    """Prints the comparison; False when no test passed under redis-py or, with
    ``require_all``, when a counted test failed under slotwise."""
    base = load(suite, baseline)
    sw = load(suite, slotwise)
    rules = load_excluded(excluded)
    rows: Dict[str, List[int]] = {}
    failed: List[Tuple[str, str]] = []
    for tid, b in sorted(base.items()):
        if not b.passed:
            continue
        row = rows.setdefault(tid.split("::", 1)[0], [0, 0, 0, 0, 0])
        row[0] += 1
        s = sw.get(tid)
        if excluded_by(tid, rules):
            row[1] += 1
        elif s is not None and s.passed and not s.client:
            row[2] += 1
        else:
            row[3] += 1
            if s is not None and s.passed:
                row[4] += 1
            else:
                failed.append((tid, s.message if s else "not run in the slotwise run"))

    head = f"{'file':<36} {'redis-py':>8} {'excl':>5} {'no-cl':>5} {'counted':>7} {'slotwise':>8} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    totals = {"sync": [0] * 5, "asyncio": [0] * 5}
    for path, row in rows.items():
        print(_line(path, row))
        total = totals["asyncio" if "/test_asyncio/" in path else "sync"]
        for i, v in enumerate(row):
            total[i] += v
    print("-" * len(head))
    for name, row in totals.items():
        print(_line(f"total {name}", row))

    with open(failures, "w") as f:
        for tid, message in failed:
            f.write(f"{tid}\t{message}\n")
    causes = Counter(cause(m) for _, m in failed)
    print(f"\n{len(failed)} counted failures (ids and messages: {failures}); top causes:")
    for text, n in causes.most_common(15):
        print(f"{n:>5}  {text}")
    if require_all and failed:
        print(f"\n{len(failed)} test(s) that pass under redis-py fail under slotwise", file=sys.stderr)
        return False
    return sum(r[0] for r in rows.values()) > 0


def _line(name: str, row: List[int]) -> str:
    ratio = f"{100 * row[4] / row[3]:.1f}%" if row[3] else "-"
    return f"{name:<36} {row[0]:>8} {row[1]:>5} {row[2]:>5} {row[3]:>7} {row[4]:>8} {ratio:>6}"


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    ok = report(*(Path(p) for p in sys.argv[1:]))
    sys.exit(0 if ok else 3)
