#!/usr/bin/env python3
"""ci/bench-record and bench/dashboard end to end: a partial record from the real suites (a few
benchmarks, no callgrind), plus a synthetic second record with every section the dashboard draws
(gate counts, voices against CPU, peers), then the page: self-contained, every section there.

  tests/bench/dashboard_test.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def main():
    build = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="dashboard-test.") as tmp:
        history = os.path.join(tmp, "history")
        r = subprocess.run([os.path.join(ROOT, "ci", "bench-record"), "--build-dir", build, "--history", history, "--no-gate",
                            "--min-time", "0.01", "--filter", "BM_QueueSpsc|BM_Compile/10$|^Gain/1ch"], capture_output=True, text=True)
        check(r.returncode == 0, f"bench-record exited {r.returncode}: {r.stderr[-500:]}")
        records = sorted(os.listdir(history)) if os.path.isdir(history) else []
        check(len(records) == 1, f"one record written, got {records}")
        if not records:
            return 1
        with open(os.path.join(history, records[0])) as f:
            rec = json.load(f)
        check(rec.get("partial") is True, "a filtered record says it is partial")
        check(re.fullmatch(r"[0-9a-f]{10}|unknown", rec["commit"]) is not None, f"commit {rec['commit']}")
        names = {s: [b["name"] for b in rec["benchmarks"][s]] for s in rec["benchmarks"]}
        check(names.get("vm_bench") == ["BM_QueueSpsc"], f"vm_bench ran the filter: {names.get('vm_bench')}")
        check(names.get("swap_bench") == ["BM_Compile/10"], f"swap_bench: {names.get('swap_bench')}")
        check(names.get("modules_bench") == ["Gain/1ch"], f"modules_bench: {names.get('modules_bench')}")

        # A later record with the sections a partial one lacks (figures made up, shapes real).
        later = json.loads(json.dumps(rec))
        later.update(commit="feedc0ffee", date="2999-01-01T00:00:00+00:00", dirty=False, subject="synthetic")
        later["callgrind"] = {"workloads": {"subtractive16": {"instructions": 76_900_000}, "sines64": {"instructions": 200_000_000}}}
        later["benchmarks"]["vm_bench"] += [{"name": f"BM_Voices/{v}", "voices": v, "cpu_percent": 0.6 * v, "cpu_time": 1.0,
                                              "time_unit": "ms"} for v in (1, 16, 64, 128)]
        later["benchmarks"]["modules_bench"] = [{"name": "Gain/1ch", "cpu_time": 30.0}, {"name": "SVF/16ch", "cpu_time": 2000.0}]
        later["peers"] = {"seconds": 30, "engines": {e: {"a": {"realtime_x": x, "mvm_ratio": 1.0}, "b": {"realtime_x": x, "mvm_ratio": 1.0}}
                                                     for e, x in (("mvm", 130.0), ("faust", 86.0), ("scsynth", 130.0))}}
        with open(os.path.join(history, "29990101T000000Z-feedc0ffee.json"), "w") as f:
            json.dump(later, f)

        page = os.path.join(tmp, "dashboard.html")
        r = subprocess.run([os.path.join(ROOT, "bench", "dashboard"), "--history", history, "-o", page], capture_output=True, text=True)
        check(r.returncode == 0 and "2 records" in r.stdout, f"dashboard: {r.returncode} {r.stdout} {r.stderr}")
        html = open(page).read() if os.path.exists(page) else ""
        for needle in ("Regression gate", "subtractive16", "CPU against voice count", "one core", "Peers side by side", "scsynth",
                       "vm_bench over commits", "BM_QueueSpsc", "swap_bench over commits", "BM_Compile/10", "slowest first"):
            check(needle in html, f"the page shows {needle!r}")
        check(html.count("<svg") >= 6, f"charts drawn: {html.count('<svg')}")
        check(html.index("SVF/16ch") < html.index("Gain/1ch</td>"), "modules slowest first")
        # Self-contained: no scripts, no links or fetches (the SVG namespace is a name, not a fetch).
        for bad in ("<script", " src=", " href=", "@import", "url("):
            check(bad not in html, f"nothing external: {bad!r}")
        check(re.search(r"https?://(?!www\.w3\.org/2000/svg)", html) is None, "no address but the SVG namespace")

        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        r = subprocess.run([os.path.join(ROOT, "bench", "dashboard"), "--history", empty, "-o", page], capture_output=True, text=True)
        check(r.returncode == 1 and "no records" in r.stderr, f"an empty history is an error: {r.returncode} {r.stderr}")

        # The committed history renders too.
        r = subprocess.run([os.path.join(ROOT, "bench", "dashboard"), "-o", os.path.join(tmp, "committed.html")], capture_output=True, text=True)
        check(r.returncode == 0, f"the committed history renders: {r.stderr}")
    print("dashboard_test:", "FAILED" if failures else "passed", f"({len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
