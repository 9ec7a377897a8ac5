"""LibreOffice (headless Calc) as the reference spreadsheet engine for tests.

Why a worker process
--------------------
``python3-uno`` is built for Debian's ``/usr/bin/python3``. A venv on the same CPython minor *can*
import it after appending ``/usr/lib/python3/dist-packages`` to ``sys.path``, but that leaks every
Debian-packaged module into the test process, ties the venv to Debian's Python minor, and loads
LibreOffice's C++ libraries into pytest (a crash there kills the whole test run). So this module runs
itself as a small worker under ``/usr/bin/python3`` (``python3 libreoffice.py --worker``) that talks
UNO to one persistent ``soffice`` and JSON lines to us over stdin/stdout. Measured (2 cores): a
round trip through the worker costs 0.03 ms; load + calculateAll + store costs the same in-process
and through the worker (~60 ms for a small workbook, ~250 ms for 3 sheets x 200 rows x 8 formulas);
a cold start (fresh profile, soffice + worker) ~1.1 s. ``values()`` adds the openpyxl read-back.

The top level of this file must stay stdlib-only: the worker runs it with Debian's python3, which
has no openpyxl. openpyxl is imported lazily in :meth:`Calc.values`.

Lifecycle
---------
``with Calc() as calc:`` starts ONE ``soffice --headless`` with a private profile in a temp dir,
listening on a private named pipe (no TCP port), plus the worker. Every call reuses them. If soffice
dies or hangs (bridge disposed, worker gone, timeout), both are killed and restarted once and the
call is retried; a second failure raises :class:`CalcError`. ``__exit__`` and an ``atexit`` hook kill
the process groups, so no soffice is left behind. ``LANG``/``LC_ALL`` are pinned to ``C.UTF-8``
(``TEXT()`` and number parsing follow the locale).

Read values from LibreOffice's output; never ship that output (it rewrites fonts, styles and VBA).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
UNO_PATHS = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")
XLSX_FILTER = "Calc MS Excel 2007 XML"
PDF_FILTER = "calc_pdf_Export"

# What LibreOffice writes into an xlsx for an error result, plus its native "Err:5xx" texts in case
# one slips through (e.g. read from a csv/ods export).
ERROR_STRINGS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
    }
)
_ERR_RE = re.compile(r"^(Err:\d{3}|#[A-Z0-9/_]+[!?]|#N/A)$")


class CalcError(RuntimeError):
    """LibreOffice could not do what was asked (after one restart, for crashes)."""


class _Fatal(Exception):
    """Internal: soffice or the worker is gone or hung; restart and retry."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", LANGUAGE="", SAL_USE_VCLPLUGIN="svp")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    p = "/usr/lib/libreoffice/program/soffice"
    return p if os.path.exists(p) else None


def availability() -> tuple[bool, str]:
    """(True, "") when soffice and python3-uno are installed; else (False, reason)."""
    if not find_soffice():
        return False, "LibreOffice (soffice) not found: run scripts/install_test_deps.sh"
    if not os.path.exists(SYSTEM_PYTHON):
        return False, f"{SYSTEM_PYTHON} not found (python3-uno is built for it)"
    if not os.path.exists(os.path.join(UNO_PATHS[0], "uno.py")):
        return False, "python3-uno not installed: run scripts/install_test_deps.sh"
    return True, ""


_live: "set[Calc]" = set()


@atexit.register
def _kill_all_at_exit() -> None:
    for calc in list(_live):
        calc.close()


class Calc:
    """One persistent headless LibreOffice Calc; use as a context manager."""

    def __init__(self, timeout: float = 120.0, start_timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.restarts = 0  # how many times soffice was restarted after a crash/hang
        self.start_seconds: float | None = None  # wall time of the last (re)start
        self._lock = threading.RLock()
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._soffice: subprocess.Popen | None = None
        self._worker: subprocess.Popen | None = None
        self._worker_log = None
        self._soffice_log = None
        self._buf = b""
        self.version: str | None = None  # LibreOffice version, known once started

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "Calc":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def soffice_pid(self) -> int | None:
        return self._soffice.pid if self._soffice else None

    def start(self) -> None:
        with self._lock:
            if self._soffice is not None:
                return
            ok, why = availability()
            if not ok:
                raise CalcError(why)
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="jixiao-lo-")
            tmp = Path(self._tmp.name)
            t0 = time.perf_counter()
            pipe_name = f"jixiao_{os.getpid()}_{id(self):x}_{self.restarts}"
            profile = tmp / f"profile{self.restarts}"
            self._soffice_log = open(tmp / "soffice.log", "ab")
            self._soffice = subprocess.Popen(
                [
                    find_soffice(),
                    "--headless",
                    "--invisible",
                    "--norestore",
                    "--nologo",
                    "--nodefault",
                    "--nolockcheck",
                    "--nofirststartwizard",
                    f"-env:UserInstallation={profile.as_uri()}",
                    f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._soffice_log,
                stderr=subprocess.STDOUT,
                env=_env(),
                cwd=str(tmp),
                start_new_session=True,  # own process group: oosplash + soffice.bin die together
            )
            self._worker_log = open(tmp / "worker.log", "ab")
            self._worker = subprocess.Popen(
                [SYSTEM_PYTHON, "-u", "-s", os.path.abspath(__file__), "--worker", pipe_name,
                 str(self._soffice.pid)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._worker_log,
                env=_env(),
                cwd=str(tmp),
                start_new_session=True,
            )
            self._buf = b""
            _live.add(self)
            try:
                reply = self._roundtrip({"op": "hello"}, self.start_timeout)
            except _Fatal as e:
                self._kill()
                raise CalcError(f"LibreOffice did not start: {e}\n{self._logs()}") from None
            if not reply.get("ok"):
                self._kill()
                raise CalcError(f"LibreOffice did not start: {reply.get('error')}\n{self._logs()}")
            self.version = reply.get("version")
            self.start_seconds = time.perf_counter() - t0

    def close(self) -> None:
        with self._lock:
            if self._worker is not None and self._worker.poll() is None:
                try:
                    self._roundtrip({"op": "quit"}, 10)
                except Exception:
                    pass
            self._kill()
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None
            _live.discard(self)

    def _kill(self) -> None:
        for proc in (self._worker, self._soffice):
            if proc is None:
                continue
            if proc.stdin:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            if proc.poll() is None and proc is self._soffice:
                # Give soffice a moment to exit after the worker's terminate(), then kill the group.
                try:
                    proc.wait(3)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            if proc.stdout:
                proc.stdout.close()
        self._worker = self._soffice = None
        for f in (self._worker_log, self._soffice_log):
            if f:
                f.close()
        self._worker_log = self._soffice_log = None

    def _logs(self) -> str:
        if self._tmp is None:
            return ""
        out = []
        for name in ("worker.log", "soffice.log"):
            p = Path(self._tmp.name) / name
            if p.exists():
                text = p.read_text(errors="replace")[-2000:]
                if text.strip():
                    out.append(f"--- {name} ---\n{text}")
        return "\n".join(out)

    # -- protocol ----------------------------------------------------------------------------
    def _roundtrip(self, req: dict, timeout: float) -> dict:
        w = self._worker
        if w is None or w.poll() is not None:
            raise _Fatal("worker not running")
        try:
            w.stdin.write((json.dumps(req) + "\n").encode())
            w.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise _Fatal(f"worker pipe: {e}") from None
        deadline = time.monotonic() + timeout
        fd = w.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Fatal(f"timeout after {timeout:.0f}s on {req.get('op')}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise _Fatal("worker exited")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        reply = json.loads(line)
        if reply.get("fatal"):
            raise _Fatal(reply.get("error", "fatal"))
        return reply

    def _call(self, req: dict) -> dict:
        with self._lock:
            for attempt in (1, 2):
                if self._soffice is None:
                    self.start()
                try:
                    reply = self._roundtrip(req, self.timeout)
                except _Fatal as e:
                    logs = self._logs()
                    self._kill()
                    if attempt == 2:
                        raise CalcError(f"LibreOffice failed twice on {req}: {e}\n{logs}") from None
                    self.restarts += 1
                    continue
                if not reply.get("ok"):
                    raise CalcError(f"{req.get('op')} {req.get('src')}: {reply.get('error')}")
                return reply
        raise AssertionError("unreachable")

    # -- API ---------------------------------------------------------------------------------
    def recalc(self, src_xlsx: str | os.PathLike, dst_xlsx: str | os.PathLike) -> Path:
        """Load src hidden, hard-recalculate (calculateAll), store as xlsx to dst."""
        dst = Path(dst_xlsx).resolve()
        self._call({"op": "recalc", "src": str(Path(src_xlsx).resolve()), "dst": str(dst)})
        return dst

    def to_pdf(self, src: str | os.PathLike, dst_pdf: str | os.PathLike) -> Path:
        """Hard-recalculate src and export all its printable sheets to PDF, honouring the file's
        print areas and page setup (the same as File > Export as PDF, whole document)."""
        dst = Path(dst_pdf).resolve()
        self._call({"op": "pdf", "src": str(Path(src).resolve()), "dst": str(dst)})
        return dst

    def values(self, src_xlsx: str | os.PathLike) -> dict[str, dict[str, object]]:
        """Recalculate with LibreOffice, read back with openpyxl data_only=True:
        {sheet: {"A1": value, ...}} for every non-empty cell (empty strings are left out)."""
        import openpyxl  # lazy: this file also runs under Debian's python3 as the worker

        with tempfile.TemporaryDirectory(prefix="jixiao-val-") as td:
            out = self.recalc(src_xlsx, Path(td) / "recalc.xlsx")
            wb = openpyxl.load_workbook(out, data_only=True)
            try:
                result: dict[str, dict[str, object]] = {}
                for ws in wb.worksheets:
                    cells: dict[str, object] = {}
                    for row in ws.iter_rows():
                        for c in row:
                            if c.value is not None and c.value != "":
                                cells[c.coordinate] = c.value
                    result[ws.title] = cells
                return result
            finally:
                wb.close()


def is_error_value(v: object) -> bool:
    return isinstance(v, str) and (v in ERROR_STRINGS or bool(_ERR_RE.match(v)))


def error_cells(values: dict[str, dict[str, object]]) -> list[tuple[str, str, str]]:
    """[(sheet, "A1", "#DIV/0!"), ...] for every cell of a values() result holding an error."""
    return [
        (sheet, ref, v)
        for sheet, cells in values.items()
        for ref, v in cells.items()
        if is_error_value(v)
    ]


# -- poppler helpers -------------------------------------------------------------------------
def pdf_fonts(pdf: str | os.PathLike) -> list[dict]:
    """Fonts of a PDF via ``pdffonts``: [{"name", "type", "encoding", "emb", "sub", "uni",
    "object"}]; emb/sub/uni are bools. Columns are cut by the widths of the dashes line."""
    out = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    dash_i = next(i for i, line in enumerate(out) if line.startswith("---"))
    spans, pos = [], 0
    for seg in out[dash_i].split(" "):
        spans.append((pos, pos + len(seg)))
        pos += len(seg) + 1
    keys = ["name", "type", "encoding", "emb", "sub", "uni", "object"]
    fonts = []
    for line in out[dash_i + 1 :]:
        if not line.strip():
            continue
        cols = [line[a:b].strip() for a, b in spans[:6]] + [line[spans[6][0] :].strip()]
        d = dict(zip(keys, cols))
        for k in ("emb", "sub", "uni"):
            d[k] = d[k] == "yes"
        fonts.append(d)
    return fonts


def pdf_to_png(pdf: str | os.PathLike, out_prefix: str | os.PathLike, dpi: int = 110) -> list[Path]:
    """Render every page with ``pdftoppm -png``; returns the PNGs in page order
    (``<prefix>-1.png`` ..., zero-padded by pdftoppm to the width of the page count)."""
    prefix = Path(out_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    n = pdf_page_count(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, capture_output=True
    )
    width = len(str(n))
    pages = [prefix.parent / f"{prefix.name}-{i:0{width}d}.png" for i in range(1, n + 1)]
    missing = [p for p in pages if not p.exists()]
    if missing:
        raise CalcError(f"pdftoppm did not write {missing[0]}")
    return pages


def pdf_page_count(pdf: str | os.PathLike) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    if not m:
        raise CalcError(f"pdfinfo gave no page count for {pdf}")
    return int(m.group(1))


# -- the worker (runs under /usr/bin/python3 with python3-uno) --------------------------------
def _kill_soffice_group(pgid: int) -> None:
    """SIGKILL the members of process group `pgid` that are LibreOffice processes (oosplash,
    soffice.bin). Checking the command line guards against a reused group id."""
    for stat in os.listdir("/proc"):
        if not stat.isdigit():
            continue
        try:
            with open(f"/proc/{stat}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            with open(f"/proc/{stat}/cmdline", "rb") as f:
                if b"office" in f.read():
                    os.kill(int(stat), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            pass


def _worker_main(pipe_name: str, soffice_pgid: int) -> None:  # pragma: no cover - child process
    # Keep the JSON channel clean: whatever LibreOffice or pyuno print goes to stderr.
    chan = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    for p in UNO_PATHS:
        if p not in sys.path:
            sys.path.append(p)
    import uno
    from com.sun.star.beans import PropertyValue

    def props(**kw):
        out = []
        for k, v in kw.items():
            pv = PropertyValue()
            pv.Name, pv.Value = k, v
            out.append(pv)
        return tuple(out)

    def reply(**kw):
        chan.write(json.dumps(kw) + "\n")
        chan.flush()

    desktop = None

    def connect(deadline: float):
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        last = None
        while time.monotonic() < deadline:
            try:
                ctx = resolver.resolve(
                    f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
                )
                return ctx.ServiceManager.createInstanceWithContext(
                    "com.sun.star.frame.Desktop", ctx
                ), ctx
            except Exception as e:  # NoConnectException while soffice starts
                last = e
                time.sleep(0.1)
        raise RuntimeError(f"cannot connect to soffice: {last}")

    def is_fatal(e: Exception) -> bool:
        name = type(e).__name__
        text = str(e)
        return name in ("DisposedException",) or any(
            s in text for s in ("disposed", "Binary URP bridge", "connection", "Broken pipe")
        )

    def load(path: str):
        url = uno.systemPathToFileUrl(path)
        # MacroExecutionMode 0 = NEVER_EXECUTE; UpdateDocMode 0 = NO_UPDATE (no external links).
        doc = desktop.loadComponentFromURL(
            url, "_blank", 0, props(Hidden=True, MacroExecutionMode=0, UpdateDocMode=0, ReadOnly=False)
        )
        if doc is None:
            raise ValueError(f"LibreOffice could not load {path}")
        return doc

    def close(doc):
        try:
            doc.close(True)
        except Exception:
            doc.dispose()

    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.get("op")
        try:
            if op == "hello":
                desktop, ctx = connect(time.monotonic() + 55)
                cp = ctx.ServiceManager.createInstanceWithContext(
                    "com.sun.star.configuration.ConfigurationProvider", ctx
                )
                node = cp.createInstanceWithArguments(
                    "com.sun.star.configuration.ConfigurationAccess",
                    props(nodepath="/org.openoffice.Setup/Product"),
                )
                reply(ok=True, version=node.getByName("ooSetupVersionAboutBox"))
            elif op == "quit":
                try:
                    desktop.terminate()
                except Exception:
                    pass
                reply(ok=True)
                return
            elif op in ("recalc", "pdf"):
                if not os.path.exists(req["src"]):
                    reply(ok=False, error=f"no such file: {req['src']}")
                    continue
                doc = load(req["src"])
                try:
                    doc.calculateAll()
                    dst = uno.systemPathToFileUrl(req["dst"])
                    if op == "recalc":
                        doc.storeToURL(dst, props(FilterName=XLSX_FILTER, Overwrite=True))
                    else:
                        doc.storeToURL(dst, props(FilterName=PDF_FILTER, Overwrite=True))
                finally:
                    close(doc)
                reply(ok=True)
            else:
                reply(ok=False, error=f"unknown op {op!r}")
        except Exception as e:  # noqa: BLE001 - everything goes back to the caller
            reply(ok=False, fatal=is_fatal(e) or op == "hello", error=f"{type(e).__name__}: {e}")

    # stdin closed without "quit": our parent died (even by SIGKILL, where no atexit runs).
    # Take soffice down with us so that nothing is left behind.
    if desktop is not None:
        t = threading.Thread(target=lambda: desktop.terminate(), daemon=True)
        t.start()
        t.join(3)
    time.sleep(0.5)
    _kill_soffice_group(soffice_pgid)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--worker":
    _worker_main(sys.argv[2], int(sys.argv[3]))
