"""What the Python tests do alike: a failure is recorded and the test goes
on (so one run reports every broken expectation), every child started is
killed whatever happens, and the end is "PASS" or the number of failures
with exit code 1.

    from harness import check, fail, spawn, finish
    try:
        ...
    finally:
        finish()
"""
import subprocess
import sys

failures = []
_started = []


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    failures.append(what)


def check(cond, what):
    if not cond:
        fail(what)
    return cond


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def spawn(argv, **popen_args):
    """Popen(argv) with stdin closed and stdout/stderr piped unless given;
    killed by finish() if it is still running then."""
    popen_args.setdefault("stdin", subprocess.DEVNULL)
    popen_args.setdefault("stdout", subprocess.PIPE)
    popen_args.setdefault("stderr", subprocess.PIPE)
    proc = subprocess.Popen(argv, **popen_args)
    _started.append(proc)
    return proc


def adopt(proc):
    """Has finish() kill `proc`, started some other way."""
    _started.append(proc)
    return proc


def finish(cleanup=None):
    """Kills what is still running (stopped ones too), runs `cleanup` (what
    the test set up besides processes), then exits: 1 after any failure."""
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if cleanup:
        cleanup()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("PASS")
    sys.exit(0)
