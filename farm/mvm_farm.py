#!/usr/bin/python3
"""Render a jobs file (mvm-render --batch's JSON Lines) on a Dask cluster.

Each task runs `mvm-render --batch` on a chunk of the jobs file on a worker, so every output is the
file the single render of that job writes, bit for bit; the results are gathered into the summary
mvm-render --batch writes (docs/farm.md). A job that fails is a record with its error; a task that
fails as a whole (the renderer missing on a worker, a worker lost more often than the scheduler
allows) gives every job of its chunk a record naming why. A worker killed mid-task costs nothing
but time: the scheduler runs its tasks again elsewhere, and a render writes its output through a
temporary file renamed into place, so a half-written output never appears.

    /usr/bin/python3 farm/mvm_farm.py jobs.jsonl --renderer build/render/mvm-render --summary out.json \\
        [--scheduler tcp://host:8786] [--workers N] [--chunk N] [--jobs-dir DIR]

Without --scheduler it starts a LocalCluster of worker processes on this machine (loopback only).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# The keys of a job whose value is a path (mvm-render's batch_renderer.h); "swap" holds
# "TIME=PATH" strings.
def _dying_with_the_worker(command):
    """The command, made to get SIGTERM when the worker running it dies: a worker killed mid-task
    takes its renders with it (each removes its temporary output, mvm-render's interrupt handling)
    instead of leaving them running as orphans. setpriv (util-linux, on every Debian) sets it and
    execs the renderer; a preexec_fn could too, but it makes Python fork the whole worker process
    instead of spawning, which costs more than a short render."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] + command if setpriv else command


def render_chunk(renderer, jobs_name, jobs_dir, first_line, lines):
    """On a worker: renders lines first_line.. of the jobs file with one `mvm-render --batch` and
    returns their summary records. The chunk file starts with first_line - 1 blank lines (no jobs),
    so the renderer numbers each job as the jobs file does."""
    with tempfile.TemporaryDirectory(prefix="mvm-farm-") as tmp:
        chunk_path = os.path.join(tmp, "jobs.jsonl")
        summary_path = os.path.join(tmp, "summary.json")
        with open(chunk_path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write("\n" * (first_line - 1))
            f.writelines(text + "\n" for text in lines)
        # --base-dir: relative paths start from the jobs file's directory, not the chunk's.
        proc = subprocess.run(_dying_with_the_worker([renderer, "--batch", chunk_path, "--jobs", "1", "--summary", summary_path,
                                                      "--base-dir", jobs_dir]),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", check=False)
        if proc.returncode not in (0, 1):  # 1: some job failed, and its record says why
            raise RuntimeError(f"{renderer} exited {proc.returncode}: {proc.stderr.strip()[:400]}")
        with open(summary_path, encoding="utf-8") as f:
            records = json.load(f)["jobs"]
    for record in records:  # errors name the jobs file, not the chunk
        if isinstance(record.get("error"), str) and record["error"].startswith(chunk_path):
            record["error"] = jobs_name + record["error"][len(chunk_path):]
    return records


def read_job_lines(jobs_path):
    """(line number, text) of every non-blank line: the jobs mvm-render --batch would see."""
    with open(jobs_path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        text = f.read()
    # Lines end at "\n" only, as the renderer splits them (Python's own line splitting also ends
    # one at a lone "\r", which would shift the numbering).
    return [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), 1) if line.strip(" \t\r")]


def failed_record(line, error, exit_code=4):
    return {"line": line, "output": None, "frames": None, "peak_dbfs": None, "rms_dbfs": None, "clipped": None,
            "guarded_blocks": None, "late_events": None, "seconds": 0.0, "exit_code": exit_code, "error": error,
            "notes": []}


def written_output(text):
    """A job line's output as written, or None."""
    try:
        output = json.loads(text).get("output")
    except (ValueError, AttributeError):
        return None
    return output if isinstance(output, str) and output else None


def refuse_shared_outputs(lines, jobs_dir, jobs_name, summary_path):
    """Two jobs writing one file would leave whichever finished last, and chunks on different
    workers cannot see each other: as mvm-render --batch does, the later job (or one writing the
    summary) is refused here, before anything is submitted. So is a job whose output is the jobs
    file itself (by device and inode, whatever path names it): a worker reads a copy, so its
    renderer could not tell. Returns {line: record}."""
    writers = {os.path.normpath(os.path.abspath(summary_path)): 0} if summary_path else {}
    jobs_file = os.stat(jobs_name)
    refused = {}
    for n, text in lines:
        output = written_output(text)
        if output is None:
            continue
        key = os.path.normpath(os.path.join(jobs_dir, output))
        named = os.path.join(os.path.dirname(jobs_name), output)
        if key in writers:
            first = writers[key]
            refused[n] = failed_record(n, f"{jobs_name}:{n}: output {named} is also "
                                          + (f"the output of line {first}" if first else "the summary"), exit_code=2)
            continue
        writers[key] = n
        try:
            target = os.stat(key)
            is_jobs_file = (target.st_dev, target.st_ino) == (jobs_file.st_dev, jobs_file.st_ino)
        except OSError:
            is_jobs_file = False
        if is_jobs_file:  # worded and recorded as the renderer does when it comes to render it (render/output_file.h)
            what = "an input" if named == jobs_name else f"{jobs_name}, an input"
            refused[n] = failed_record(n, f"{jobs_name}:{n}: -o {named} is {what} of this run; it is never replaced: "
                                          "give another output file", exit_code=2)
            refused[n]["output"] = named
    return refused


def run_farm(client, jobs_path, renderer, chunk=1, jobs_dir=None, retries=2, progress=None, summary_path=None):
    """Renders every job of jobs_path on the cluster behind `client`; returns the summary (a dict
    in mvm-render --batch's format). `renderer` and `jobs_dir` (default: the jobs file's directory)
    are paths as the workers see them."""
    from distributed import as_completed

    started = time.monotonic()
    jobs_dir = jobs_dir or os.path.dirname(os.path.abspath(jobs_path))
    lines = read_job_lines(jobs_path)
    records = refuse_shared_outputs(lines, jobs_dir, jobs_path, summary_path)
    for r in records.values():
        print(f"mvm_farm: {r['error']}", file=sys.stderr)
    to_render = [(n, text) for n, text in lines if n not in records]
    chunks = [to_render[i:i + chunk] for i in range(0, len(to_render), chunk)]
    futures = {}
    for c in chunks:
        # A chunk file holds its lines with the blank lines between them, so numbering stays whole.
        first, last = c[0][0], c[-1][0]
        by_number = dict(c)
        texts = [by_number.get(n, "") for n in range(first, last + 1)]
        future = client.submit(render_chunk, renderer, jobs_path, jobs_dir, first, texts, retries=retries, pure=False)
        futures[future] = c
    done = failed = len(records)
    for future in as_completed(futures):
        c = futures[future]
        try:
            got = future.result()
        except Exception as e:  # noqa: BLE001 — any task failure becomes its jobs' records
            why = f"{type(e).__name__}: {e}".replace("\n", " ")[:400]
            got = [failed_record(n, f"{jobs_path}:{n}: farm: {why}") for n, _ in c]
        outputs = {n: written_output(text) for n, text in c}
        for r in got:
            # As --batch names it: joined to the jobs file's directory as the path to it was given
            # (the chunk's record has it resolved against the workers' view of that directory).
            if r.get("output") is not None and outputs.get(r["line"]):
                r["output"] = os.path.join(os.path.dirname(jobs_path), outputs[r["line"]])
            records[r["line"]] = r
            done += 1
            failed += r["error"] is not None
            if r["error"] is not None:
                print(f"mvm_farm: {r['error']}", file=sys.stderr)
        if progress:
            progress(done, len(lines), failed, time.monotonic() - started)
    # A chunk's summary has a record per line it was given; should one be missing, the job is not lost.
    jobs = [records.get(n) or failed_record(n, f"{jobs_path}:{n}: farm: the renderer returned no record") for n, _ in lines]
    failed = sum(r["error"] is not None for r in jobs)
    workers = sum(client.nthreads().values())
    return {"jobs_file": jobs_path, "workers": workers, "total": len(jobs), "rendered": len(jobs) - failed,
            "failed": failed, "seconds": round(time.monotonic() - started, 3), "jobs": jobs}


def write_summary(path, summary):
    """Through a temporary file renamed into place, as mvm-render writes its summary."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".mvm-farm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def local_cluster(workers):
    """A LocalCluster of worker processes (one render at a time each), on loopback only."""
    from distributed import LocalCluster
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Render mvm-render --batch jobs on a Dask cluster.")
    parser.add_argument("jobs", help="jobs file: one JSON object a line (docs/farm.md)")
    parser.add_argument("--renderer", required=True, help="mvm-render, as a path the workers can run")
    parser.add_argument("--summary", required=True, help="write the summary JSON here")
    parser.add_argument("--scheduler", help="address of a running dask scheduler, e.g. tcp://host:8786 "
                                            "(default: a LocalCluster on this machine)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="with no --scheduler: how many worker processes (default: the number of CPUs)")
    parser.add_argument("--chunk", type=int, default=1, help="jobs per task (default 1; more: less overhead per job)")
    parser.add_argument("--jobs-dir", help="the jobs file's directory as the workers see it, for relative paths "
                                           "(default: where it is here)")
    parser.add_argument("--retries", type=int, default=2, help="times a task that raised is run again (default 2)")
    args = parser.parse_args(argv)
    if args.chunk < 1 or args.workers < 1:
        parser.error("--chunk and --workers take a whole number >= 1")
    if not os.path.isfile(args.jobs):
        print(f"mvm_farm: {args.jobs}: no such jobs file", file=sys.stderr)
        return 3

    from distributed import Client

    terminal = sys.stderr.isatty()

    def progress(done, total, failed, elapsed):
        if terminal:
            end = "\r\033[K" if done == total else ""
            print(f"\rfarm: {done} / {total} jobs done, {failed} failed, {elapsed:.1f} s{end}", end="", file=sys.stderr,
                  flush=True)

    cluster = None if args.scheduler else local_cluster(args.workers)
    try:
        with Client(args.scheduler or cluster) as client:
            summary = run_farm(client, args.jobs, os.path.abspath(args.renderer) if not args.scheduler else args.renderer,
                               chunk=args.chunk, jobs_dir=args.jobs_dir, retries=args.retries, progress=progress,
                               summary_path=args.summary)
    finally:
        if cluster is not None:
            cluster.close()
    write_summary(args.summary, summary)
    print(f"{args.jobs}: {summary['total']} jobs, {summary['rendered']} rendered, {summary['failed']} failed, "
          f"{summary['seconds']:.2f} s on {summary['workers']} workers; summary {args.summary}")
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
