"""Writing files so that nothing is ever half-written: a temp file beside the target, renamed over it
only when complete. One place for it, used by every command and button that writes a workbook."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: os.PathLike | str, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp path in the target's folder; when the block ends without error, move it to
    `path` (mode 0666 less the umask, like any new file: mkstemp's 0600 would hide the file from
    colleagues on a shared folder). With overwrite=False an existing target is never replaced
    (FileExistsError). On error the temp file is removed and the target is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile   # not at import: a one-file `jixiao validate` writes nothing
    fd, name = tempfile.mkstemp(prefix=".~jixiao-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _place_new(tmp: Path, path: Path) -> None:
    """Move tmp to path unless path exists: a hard link fails if the name was taken meanwhile; where
    there are no hard links (some network drives) check, then rename."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} 已存在，不会覆盖") from None
    except OSError:
        if path.exists():
            raise FileExistsError(f"{path} 已存在，不会覆盖") from None
        os.replace(tmp, path)
        return
    tmp.unlink()
