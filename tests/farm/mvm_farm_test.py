#!/usr/bin/python3
"""farm/mvm_farm.py on a LocalCluster of two worker processes (loopback only): every output equals
the single-machine render bit for bit, a failing job is a record with its error, and a worker
killed mid-render costs nothing but time. Run by ctest: mvm_farm_test.py MVM_RENDER SOURCE_DIR."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

RENDERER = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
SOURCE = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..")
sys.dont_write_bytecode = True  # the test leaves the source tree as it found it
sys.path.insert(0, os.path.join(SOURCE, "farm"))
import mvm_farm  # noqa: E402

try:
    import distributed  # noqa: F401
except ImportError:
    print("skipped: python3-distributed is not installed (ci/install-deps installs it)")
    sys.exit(77)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def render_single(args, output):
    subprocess.run([RENDERER] + args + ["-o", output], check=True, cwd=SOURCE, stdout=subprocess.DEVNULL)
    return read_bytes(output)


def children_of(pid):
    """The pids of a process's children (Linux /proc)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class FarmTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mvm-farm-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_jobs(self, lines):
        path = os.path.join(self.dir, "jobs.jsonl")
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        return path

    def test_outputs_equal_single_renders_and_failures_are_recorded(self):
        p = SOURCE + "/"
        jobs = [  # (job, the single render's arguments); outputs relative to the jobs file
            ({"patch": p + "patches/demo.json", "output": "demo.wav", "seconds": 0.4, "seed": 5},
             ["patches/demo.json", "-s", "0.4", "--seed", "5"]),
            ({"patch": p + "golden/patches/chords.json", "score": p + "golden/scores/chords.json", "output": "chords.wav",
              "format": "pcm16"}, ["golden/patches/chords.json", "--score", "golden/scores/chords.json", "-f", "pcm16"]),
            ({"patch": p + "patches/fm-bell.json", "score": p + "patches/fm-bell.score.json", "output": "bell.wav",
              "seconds": 0.5, "format": "pcm24", "block": 100},
             ["patches/fm-bell.json", "--score", "patches/fm-bell.score.json", "-s", "0.5", "-f", "pcm24", "--block", "100"]),
        ]
        lines = [json.dumps(j) for j, _ in jobs]
        lines.insert(1, json.dumps({"patch": "missing.json", "output": "m.wav"}))        # line 2
        lines.insert(3, '{"patch": "x.json" "output": "y.wav"}')                         # line 4
        lines.append(json.dumps({"patch": p + "patches/demo.json", "output": "demo.wav"}))  # line 6: writes line 1's output
        jobs_path = self.write_jobs(lines)
        summary_path = os.path.join(self.dir, "summary.json")
        proc = subprocess.run([sys.executable, os.path.join(SOURCE, "farm", "mvm_farm.py"), jobs_path, "--renderer", RENDERER,
                               "--summary", summary_path, "--workers", "2"], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("6 jobs, 3 rendered, 3 failed", proc.stdout)
        with open(summary_path) as f:
            summary = json.load(f)
        self.assertEqual(summary["workers"], 2)
        records = summary["jobs"]
        self.assertEqual([r["line"] for r in records], [1, 2, 3, 4, 5, 6])
        fields = {"line", "output", "frames", "peak_dbfs", "rms_dbfs", "clipped", "guarded_blocks", "late_events", "seconds",
                  "exit_code", "error", "notes"}
        for r in records:
            self.assertEqual(set(r), fields, r)
        for (job, single_args), r in zip(jobs, [records[0], records[2], records[4]]):
            self.assertIsNone(r["error"], r)
            batch = read_bytes(os.path.join(self.dir, job["output"]))
            self.assertGreater(len(batch), 1000)
            self.assertEqual(batch, render_single(single_args, os.path.join(self.dir, "single-" + job["output"])), job)
        self.assertTrue(records[1]["error"].startswith(jobs_path + ":2: "), records[1])
        self.assertIn("missing.json: cannot open patch file", records[1]["error"])
        self.assertEqual(records[1]["exit_code"], 3)
        self.assertRegex(records[3]["error"], "^" + jobs_path + r":4:\d+: malformed JSON")
        self.assertTrue(records[5]["error"].endswith("demo.wav is also the output of line 1"), records[5])
        for r in records[1::2]:
            self.assertIsNone(r["frames"])
            self.assertIn(r["error"], proc.stderr)

    def test_records_name_outputs_as_batch_does_and_the_jobs_file_is_never_an_output(self):
        # A relative jobs path, as a user in its directory gives it: each record names its output as
        # mvm-render --batch does for the same file; a job writing the jobs file is refused.
        demo = os.path.join(SOURCE, "patches", "demo.json")
        lines = [json.dumps({"patch": demo, "output": "ok.wav", "seconds": 0.2}),
                 json.dumps({"patch": demo, "output": "jobs.jsonl", "seconds": 0.2}),
                 json.dumps({"patch": demo, "output": "./jobs.jsonl", "seconds": 0.2})]
        jobs_path = self.write_jobs(lines)
        before = read_bytes(jobs_path)
        farm = subprocess.run([sys.executable, os.path.join(SOURCE, "farm", "mvm_farm.py"), "jobs.jsonl", "--renderer", RENDERER,
                               "--summary", "farm.json", "--workers", "1"], cwd=self.dir, capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(farm.returncode, 1, farm.stderr)
        self.assertEqual(read_bytes(jobs_path), before)
        batch = subprocess.run([RENDERER, "--batch", "jobs.jsonl", "--summary", "batch.json"], cwd=self.dir, capture_output=True,
                               text=True, timeout=120)
        self.assertEqual(batch.returncode, 1, batch.stderr)
        self.assertEqual(read_bytes(jobs_path), before)
        with open(os.path.join(self.dir, "farm.json")) as f:
            farm_records = json.load(f)["jobs"]
        with open(os.path.join(self.dir, "batch.json")) as f:
            batch_records = json.load(f)["jobs"]
        self.assertEqual(farm_records[0]["output"], "ok.wav")
        self.assertEqual([r["output"] for r in farm_records], [r["output"] for r in batch_records])
        for farm_record, batch_record in zip(farm_records[1:], batch_records[1:]):
            self.assertEqual(farm_record["exit_code"], 2, farm_record)
            self.assertEqual(batch_record["exit_code"], 2, batch_record)
            self.assertEqual(farm_record["error"], batch_record["error"])

    def test_a_worker_killed_mid_render_loses_no_job(self):
        from distributed import Client
        seeds = range(1, 7)
        jobs_path = self.write_jobs([json.dumps({"patch": SOURCE + "/patches/demo.json", "output": f"d{s}.wav", "seconds": 45,
                                                 "seed": s, "format": "pcm16"}) for s in seeds])
        cluster = mvm_farm.local_cluster(2)
        try:
            with Client(cluster) as client:
                worker_pids = list(client.run(os.getpid).values())
                outcome = {}
                farm = threading.Thread(target=lambda: outcome.update(summary=mvm_farm.run_farm(client, jobs_path, RENDERER)))
                farm.start()
                # Wait until a worker is rendering (its mvm-render child is running), then kill it.
                victim = renders = None
                deadline = time.monotonic() + 30
                while victim is None and time.monotonic() < deadline and farm.is_alive():
                    for pid in worker_pids:
                        renders = [c for c in children_of(pid) if alive(c)] if alive(pid) else []
                        if renders:
                            victim = pid
                            break
                    time.sleep(0.02)
                self.assertIsNotNone(victim, "no worker was seen rendering")
                os.kill(victim, signal.SIGKILL)
                farm.join(timeout=90)
                self.assertFalse(farm.is_alive(), "the batch did not complete")
                # The killed worker's render died with it (and removed its temporary file).
                deadline = time.monotonic() + 5
                while any(alive(c) for c in renders) and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertFalse(any(alive(c) for c in renders), "a render outlived its killed worker")
                worker_pids += list(client.run(os.getpid).values())  # the restarted one too
        finally:
            cluster.close()
        deadline = time.monotonic() + 10
        while any(alive(p) for p in worker_pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([p for p in worker_pids if alive(p)], [], "worker processes left after the cluster closed")
        summary = outcome["summary"]
        self.assertEqual((summary["total"], summary["rendered"], summary["failed"]), (6, 6, 0), summary)
        for s in seeds:
            out = os.path.join(self.dir, f"d{s}.wav")
            single = render_single(["patches/demo.json", "-s", "45", "--seed", str(s), "-f", "pcm16"], out + ".single")
            self.assertEqual(read_bytes(out), single, out)
        self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(".mvm-")], [])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
