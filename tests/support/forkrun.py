"""Run `jixiao` commands as separate processes, fast, measuring each one's peak memory and time.

A command line run costs ~0.4 s of imports before it does anything; the hostile-input corpus runs
hundreds of commands. So a *zygote* — one Python that has already imported jixiao and the libraries
its commands use — forks a child per command. The child is a real separate process: it sets up its
own session, working folder, environment, standard streams (files), resource limits and, when asked,
an unprivileged user, then runs ``sys.exit(jixiao.cli.main(argv))`` exactly as the ``jixiao`` console
script does and leaves through normal interpreter shutdown (so ``Exception ignored in ...__del__``
noise and atexit output are seen as they would be). The zygote reaps it with ``os.wait4``, which gives
the child's own rusage (peak RSS, CPU) including any worker processes it waited for; a child that
outlives its time limit is killed with its whole process group and reported as timed out.

The peak RSS of a forked child includes the zygote's pages it maps (~100 MB of imported libraries):
the figures are an upper bound of what a fresh `jixiao` process uses.

Protocol (one JSON object per line): request on the zygote's stdin
    {"argv": [...], "cwd": "...", "env": {...}, "stdout": path, "stderr": path, "timeout": s,
     "fsize": bytes | null, "user": name | null}
and the answer on its stdout
    {"code": int, "maxrss_kb": int, "cpu": s, "wall": s, "timed_out": bool}

`Zygotes(n)` keeps n of them (one per core) and is used from threads; `run_real` runs the installed
`python -m jixiao` the ordinary way with the same measurements, to show both agree.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    argv: list[str]
    code: int
    out: str
    err: str
    maxrss_kb: int
    cpu: float
    wall: float
    timed_out: bool

    @property
    def text(self) -> str:
        return self.out + self.err


# -------------------------------------------------------------------------------------------------
# The zygote process
# -------------------------------------------------------------------------------------------------

def _preload() -> None:
    """Import what the commands import lazily, so that children start at once. (Also what a child
    running as an unprivileged user could not import itself here: this machine's Python lives under
    /root. A normal user's own Python has no such problem.)"""
    import codecs
    import encodings.aliases
    for encoding in {*encodings.aliases.aliases.values(), "utf-8-sig", "unicode-escape", "idna"}:
        try:
            codecs.lookup(encoding)
        except LookupError:      # an alias of a codec this platform lacks (mbcs ...)
            pass
    import concurrent.futures.process  # noqa: F401
    import multiprocessing.popen_fork  # noqa: F401
    import multiprocessing.synchronize  # noqa: F401
    import html.parser  # noqa: F401
    import pprint  # noqa: F401
    import docx  # noqa: F401
    import xlrd  # noqa: F401
    import jixiao.addin.build  # noqa: F401
    from jixiao.addin.vba_sources import udf_modules
    udf_modules(workbook_name="x.xlam"), udf_modules(workbook_name="x.xlsm")  # xlwings' generator, run once
    import jixiao.engine.forms  # noqa: F401
    import jixiao.report.word  # noqa: F401
    import jixiao.summary  # noqa: F401
    import jixiao.batch  # noqa: F401
    import jixiao.templates.importing  # noqa: F401
    import pyopenvba  # noqa: F401
    import xml.sax.saxutils  # noqa: F401
    import jixiao.cli  # noqa: F401
    import jixiao.addin.actions  # noqa: F401
    import jixiao.addin.book_openpyxl  # noqa: F401
    import jixiao.engine.reader  # noqa: F401
    import jixiao.engine.validation.runner  # noqa: F401
    import jixiao.templates.builder  # noqa: F401
    import jixiao.templates.fill  # noqa: F401
    import openpyxl  # noqa: F401
    import openpyxl.chart  # noqa: F401


def _child(req: dict) -> None:
    """In the forked child: become the command, never return."""
    try:
        os.setsid()
        os.chdir(req["cwd"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in (null, out, err):
            os.close(fd)
        os.environ.clear()
        os.environ.update(req["env"])
        tempfile.tempdir = None          # TMPDIR of this run
        if req.get("fsize") is not None:  # a "full disk": writes past this size fail with EFBIG
            import resource
            resource.setrlimit(resource.RLIMIT_FSIZE, (req["fsize"], req["fsize"]))
        if req.get("user") and os.getuid() == 0:
            import pwd
            entry = pwd.getpwnam(req["user"])
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            os.environ["HOME"] = entry.pw_dir
    except BaseException as exc:  # noqa: BLE001 - the set-up failed: say so on stderr, exit 99
        os.write(2, f"forkrun set-up failed: {exc!r}\n".encode())
        os._exit(99)
    sys.argv = ["jixiao", *req["argv"]]
    from jixiao.cli import main
    raise SystemExit(main(list(req["argv"])))


def _serve() -> None:
    _preload()
    proto_in = sys.stdin.buffer
    proto_out = os.fdopen(os.dup(1), "w", buffering=1)
    for line in proto_in:
        req = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            proto_out = None
            _child(req)
        deadline = start + float(req.get("timeout", 60))
        timed_out = False
        while True:
            got, status, usage = os.wait4(pid, os.WNOHANG)
            if got:
                break
            if time.monotonic() > deadline:
                timed_out = True
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                got, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.003)
        proto_out.write(json.dumps({
            "code": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
            "cpu": usage.ru_utime + usage.ru_stime, "wall": time.monotonic() - start, "timed_out": timed_out,
        }) + "\n")


# -------------------------------------------------------------------------------------------------
# The test side
# -------------------------------------------------------------------------------------------------

def _env(extra: dict | None = None) -> dict:
    # PYTHONDONTWRITEBYTECODE: a child under RLIMIT_FSIZE ("a full disk") would leave a truncated .pyc
    # of a module it compiles (CPython does not check a short write), breaking every later import.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8", "HOME": os.environ.get("HOME", "/root"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra or {})
    return env


class Zygote:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.forkrun"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**_env(), "PYTHONPATH": str(ROOT)})

    def run(self, argv, cwd, env=None, timeout=60.0, fsize=None, user=None) -> Run:
        with tempfile.TemporaryDirectory(prefix="jx-forkrun-") as td:
            out, err = Path(td) / "out", Path(td) / "err"
            if user:
                os.chmod(td, 0o777)
            req = {"argv": [str(a) for a in argv], "cwd": str(cwd), "env": _env(env), "stdout": str(out),
                   "stderr": str(err), "timeout": timeout, "fsize": fsize, "user": user}
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the forkrun zygote died")
            ans = json.loads(line)
            return Run([str(a) for a in argv], ans["code"], _read(out), _read(err), ans["maxrss_kb"], ans["cpu"],
                       ans["wall"], ans["timed_out"])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Zygotes:
    """n zygotes, handed out to threads one at a time."""

    def __init__(self, n: int):
        self.all = [Zygote() for _ in range(n)]
        self.free: queue.Queue = queue.Queue()
        for z in self.all:
            self.free.put(z)

    def run(self, *args, **kwargs) -> Run:
        z = self.free.get()
        try:
            return z.run(*args, **kwargs)
        finally:
            self.free.put(z)

    def close(self):
        for z in self.all:
            z.close()


def run_real(argv, cwd, env=None, timeout=60.0) -> Run:
    """`python -m jixiao ARGV` as a fresh process, measured the same way (os.wait4)."""
    with tempfile.TemporaryDirectory(prefix="jx-real-") as td:
        out, err = Path(td) / "out", Path(td) / "err"
        with open(out, "wb") as fo, open(err, "wb") as fe:
            start = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "jixiao", *map(str, argv)], cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=fo, stderr=fe, env=_env({**(env or {}), "PYTHONPATH": str(ROOT)}),
                                    start_new_session=True)
            timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.monotonic() - start
        return Run([str(a) for a in argv], proc.returncode, _read(out), _read(err), usage.ru_maxrss,
                   usage.ru_utime + usage.ru_stime, wall, wall >= timeout)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return ""


if __name__ == "__main__":
    _serve()
