"""The engine's data files: where they are (the built-in profiles, the reading vocabulary), found
without importing (running) the package that ships them — the engine imports no face — and how a
YAML data file is read fast: through an on-disk JSON copy while the file is unchanged (a one-file
`jixiao validate` then imports no YAML parser), else with libyaml's parser when PyYAML has it."""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path


def data_path(package: str, name: str) -> Path:
    """A data file or folder of a jixiao package; works installed and from a checkout."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed")
    return Path(list(spec.submodule_search_locations)[0]).resolve() / name


def cache_dir() -> Path | None:
    """$JIXIAO_CACHE_DIR, else the user's cache folder; JIXIAO_CACHE_DIR=off (or "") disables it."""
    env = os.environ.get("JIXIAO_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "jixiao" / "cache" if base else None
    base = os.environ.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if Path.home() != Path("/") else "")
    return Path(base) / "jixiao" if base else None


def parse_yaml(text: str):
    """PyYAML's safe loader, the C one when available (some 50 times faster)."""
    import yaml
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def stamp(path: Path) -> list:
    """What says a file is unchanged: its path, modification time and size."""
    st = path.stat()
    return [str(path), st.st_mtime_ns, st.st_size]


def cache_entry(name: str) -> Path | None:
    """The cache file `name` in cache_dir(), or None when caching is off."""
    folder = cache_dir()
    return folder / name if folder else None


def read_cached(entry: Path | None, key, max_bytes: int = 4 * 1024 * 1024):
    """The data cached in `entry` under `key` while every file it was made from is unchanged, else
    None. Any problem with the copy (missing, damaged, stale) is a miss, never an error."""
    if entry is None:
        return None
    try:
        if entry.stat().st_size > max_bytes:
            return None
        cached = json.loads(entry.read_text(encoding="utf-8"))
        if cached["key"] == key and all(stamp(Path(f[0])) == f for f in cached["files"]):
            return cached["data"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    return None


def write_cached(entry: Path | None, key, files: list[Path], data) -> None:
    """Keep `data` (made from `files`) in `entry` under `key`, atomically; only data JSON keeps as it is
    (no dates, no tuples) is kept; a cache that cannot be written is skipped silently."""
    if entry is None:
        return
    try:
        text = json.dumps({"key": key, "files": [stamp(p) for p in files], "data": data}, ensure_ascii=False)
        if json.loads(text)["data"] != data:
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):
        pass


def load_yaml(path: Path, limit: int = 1024 * 1024):
    """A YAML data file of jixiao (the vocabulary), through the on-disk JSON copy while the file is
    unchanged."""
    import zlib
    entry = cache_entry(f"data-{path.stem}-{zlib.crc32(str(path).encode('utf-8')):08x}.json")
    data = read_cached(entry, str(path))
    if data is not None:
        return data
    if path.stat().st_size > limit:
        raise ValueError(f"{path} is larger than {limit} bytes")
    data = parse_yaml(path.read_text(encoding="utf-8"))
    write_cached(entry, str(path), [path], data)
    return data
