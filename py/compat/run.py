"""Runs redis-py 8.1.0's own tests twice on one harness cluster: with redis-py's fixtures
(the baseline) and with ``slotwise_fixtures`` (its client fixtures give slotwise), then
prints the comparison (``compare.py``).

    python py/compat/run.py --harness target/debug/slotwise-testcluster \\
        --suite target/compat/redis-8.1.0 --out target/compat/run [--smoke] [--reuse-baseline]

Exit status: 0 when both runs completed (failing tests are the measurement, not an error),
nonzero when the cluster did not start, a run broke (pytest usage or internal error, no
junit file), no test passed under redis-py or (``--smoke``) a test of py/compat/smoke.txt
that passes under redis-py failed under slotwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import compare  # noqa: E402

FILES = [
    "tests/test_commands.py",
    "tests/test_cluster.py",
    "tests/test_pipeline.py",
    "tests/test_cluster_transaction.py",
    "tests/test_asyncio/test_commands.py",
    "tests/test_asyncio/test_cluster.py",
]
# The fast subset for `make compat-py-smoke` (part of `make test`): every test it lists must
# pass under slotwise.
SMOKE = HERE / "smoke.txt"
# What runs in a cluster: redis-py's own CI deselects these markers against a cluster.
MARKERS = "not onlynoncluster and not redismod and not ssl"
# pytest exit codes for "ran, some tests failed" (0, 1); anything else means it broke.
RAN = (0, 1)


def up(harness: str, where: Path) -> dict:
    if where.exists():
        subprocess.run([harness, "down", "--dir", str(where)], capture_output=True, timeout=60)
        shutil.rmtree(where, ignore_errors=True)
    out = subprocess.run(
        [harness, "up", "--json", "--dir", str(where)],
        check=True, capture_output=True, text=True, timeout=180,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pytest_run(suite: Path, url: str, nodes: int, junit: Path, log: Path, tests: list[str],
               plugin: bool, timeout: int) -> int:
    args = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--redis-url", url, "--redis-cluster-nodes", str(nodes),
        "-m", MARKERS, f"--junitxml={junit}", f"--timeout={timeout}",
        "-W", "ignore::pytest.PytestConfigWarning",
        *tests,
    ]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if plugin:
        args[3:3] = ["-p", "slotwise_fixtures"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    junit.unlink(missing_ok=True)
    started = time.monotonic()
    with open(log, "w") as f:
        rc = subprocess.run(args, cwd=suite, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
    which = "slotwise" if plugin else "redis-py"
    print(f"{which:>8} run: exit {rc} in {time.monotonic() - started:.0f}s: {tail[0][:150]}")
    return rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--harness", required=True)
    ap.add_argument("--suite", required=True, type=Path, help="unpacked redis-8.1.0 sdist")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--smoke", action="store_true", help="only the fast subset")
    ap.add_argument("--timeout", type=int, default=30, help="per test (pytest-timeout)")
    ap.add_argument("--reuse-baseline", action="store_true",
                    help="keep OUT/baseline.xml from an earlier run (same redis-py and files)")
    a = ap.parse_args()

    a.out.mkdir(parents=True, exist_ok=True)
    suite = a.suite.resolve()
    out = a.out.resolve()
    tests = FILES
    if a.smoke:
        tests = [t for t in SMOKE.read_text().splitlines() if t and not t.startswith("#")]
    where = out / "cluster"
    info = up(a.harness, where)
    try:
        primary = next(n["addr"] for n in info["nodes"] if n["role"] == "primary")
        url = f"redis://{primary}"
        print(f"cluster: {len(info['nodes'])} nodes, seeds {url}; logs in {out}")
        runs = {}
        for plugin in (False, True):
            name = "slotwise" if plugin else "baseline"
            if not plugin and a.reuse_baseline and (out / "baseline.xml").exists():
                print(f"baseline: reusing {out / 'baseline.xml'}")
                runs[name] = 0
                continue
            runs[name] = pytest_run(suite, url, len(info["nodes"]), out / f"{name}.xml",
                                    out / f"{name}.log", tests, plugin, a.timeout)
    finally:
        subprocess.run([a.harness, "down", "--dir", str(where)], capture_output=True, timeout=60)
        shutil.rmtree(where, ignore_errors=True)

    broken = [n for n, rc in runs.items() if rc not in RAN or not (out / f"{n}.xml").exists()]
    if broken:
        print(f"the {' and '.join(broken)} run broke: see {out}/<run>.log", file=sys.stderr)
        return 2
    ok = compare.report(
        suite, out / "baseline.xml", out / "slotwise.xml", HERE / "excluded.txt",
        out / "failures.txt", require_all=a.smoke,
    )
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
