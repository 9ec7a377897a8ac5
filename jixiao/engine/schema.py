"""Which keys a data file may hold: one small schema per file kind (a rule profile, a project's fill
data), checked once where the file is read, so that a misspelt key ("funds.denominator",
"reported: {totl: 98}") is an error naming the key and the keys expected, never silently ignored.

A schema is plain data:
  a dict      a mapping whose keys must be among the dict's keys; each value follows the schema
              under its key. The key "*" stands for any key name (the profile's named scoring rules);
  [schema]    a list whose items each follow `schema`;
  None        anything (checked where it is used: a value's type and range, header keys that depend
              on the profile).
Only keys are checked here; a value of another shape than its schema (a list where a mapping is
expected) is left to the loader, which says what it should be.
"""
from __future__ import annotations

import difflib
from typing import Any, NamedTuple

from .safetext import printable

MAX_SHOWN_KEY = 40     # characters of an unknown key a message shows

ANY = None
EVERY = "*"


class Unknown(NamedTuple):
    """A key the schema does not know: where it is (keys and list positions from the top), the key,
    and the keys expected there."""

    path: tuple            # ("funds",) ; ("indicators", 2) ; () for the top level
    key: str
    expected: tuple[str, ...]

    @property
    def shown(self) -> str:
        """The unknown key as a message shows it: one line, no control characters, not too long."""
        return shown_key(self.key)

    @property
    def dotted(self) -> str:
        """"funds.denominator", "indicators[3].totl" (positions counted from 1, as users count)."""
        out = ""
        for part in (*self.path, self.key):
            part = part if isinstance(part, int) else shown_key(part)
            out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    @property
    def parent(self) -> str:
        return Unknown(self.path[:-1], self.path[-1], ()).dotted if self.path else ""

    def near(self) -> str:
        """The expected key closest to the one given ("" if none is close)."""
        hit = difflib.get_close_matches(self.key, self.expected, n=1, cutoff=0.6)
        return hit[0] if hit else ""


def shown_key(key) -> str:
    text = printable(str(key), one_line=True)
    return text if len(text) <= MAX_SHOWN_KEY else text[:MAX_SHOWN_KEY - 1] + "…"


def unknown_keys(value: Any, schema: Any, path: tuple = ()) -> list[Unknown]:
    """Every key of `value` its schema does not know, in document order."""
    out: list[Unknown] = []
    if isinstance(schema, dict) and isinstance(value, dict):
        expected = tuple(k for k in schema if k != EVERY)
        for key, item in value.items():
            if key in schema:
                out += unknown_keys(item, schema[key], (*path, key))
            elif EVERY in schema:
                out += unknown_keys(item, schema[EVERY], (*path, key))
            else:
                out.append(Unknown(path, str(key), expected))
    elif isinstance(schema, list) and isinstance(value, list):
        for n, item in enumerate(value):
            out += unknown_keys(item, schema[0], (*path, n))
    return out


def keys(*names: str, **nested) -> dict:
    """A mapping schema: `names` hold anything, `nested` their own schema."""
    return {**{n: ANY for n in names}, **nested}
