"""Where the engine finds its data files (the built-in profiles, the reading vocabulary), without
importing (running) the package that ships them: the engine imports no face."""
from __future__ import annotations

import importlib.util
from pathlib import Path


def data_path(package: str, name: str) -> Path:
    """A data file or folder of a jixiao package; works installed and from a checkout."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed")
    return Path(list(spec.submodule_search_locations)[0]).resolve() / name
