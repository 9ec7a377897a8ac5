"""Files in and out, one place for every command and button.

Reading: only regular files. A FIFO or a device named like a workbook (or a symlink to one) would
block a reader forever or feed it without end; it is refused by what it *is*, checked on the opened
descriptor (opened without blocking), so a file swapped meanwhile cannot slip through. Sizes are
bounded before anything is read.

Writing: nothing is ever half-written. A temp file beside the target is renamed over it only when
complete; an existing target is replaced only when asked (--force) and only if it is a regular file
(never a symlink, a device or a FIFO); a workbook is serialised in memory first, so a full disk fails
cleanly instead of leaving a zip writer half-open. A failed write (full disk, no permission, a name
too long, a read-only medium) is an `OutputError` in Chinese naming the file, never a traceback.
Names we make are shortened to fit the file system's 255 bytes (`fit_name`).
"""
from __future__ import annotations

import errno
import gc
import io
import os
import re
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import JixiaoError
from .safetext import shown_name

#: Longest file name (one path component) in bytes: ext4, NTFS (in UTF-16 units), APFS, most shares.
NAME_MAX_BYTES = 255

_WRITE_ERRORS = {errno.ENOSPC: "磁盘空间不足", errno.EFBIG: "磁盘空间不足或超出文件大小限制",
                 errno.EDQUOT: "超出磁盘配额", errno.EROFS: "所在磁盘是只读的", errno.EACCES: "没有写入权限",
                 errno.EPERM: "没有写入权限", errno.ENAMETOOLONG: f"文件名过长（超过 {NAME_MAX_BYTES} 字节）",
                 errno.EIO: "磁盘读写错误", errno.ENOENT: "文件夹不存在或无法创建", errno.ENOTDIR: "路径中有一段不是文件夹",
                 errno.EISDIR: "这是一个文件夹", errno.EXDEV: "无法在此位置写入"}


class OutputError(JixiaoError):
    """A file that could not be written: nothing was left behind."""


class InputError(JixiaoError):
    """A file that could not be read as a file (missing, not a regular file, no permission, too big)."""


# Reading -----------------------------------------------------------------------------------------

def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def not_regular_message(mode: int) -> str:
    kind = _kind(mode)
    if kind == "文件夹":
        return "这是一个文件夹，不是文件"
    return f"不是普通文件（是{kind}），已拒绝读取；请提交保存在磁盘上的文件"


def read_error_message(exc: OSError) -> str:
    """A Chinese message for an OSError raised while opening or reading an input."""
    if exc.errno == errno.ENOENT:
        return "文件不存在"
    if exc.errno in (errno.EACCES, errno.EPERM):
        if exc.filename is not None and os.path.isdir(exc.filename):
            return "没有读取此文件夹的权限，其中的表格没有检查"
        return "没有读取此文件的权限"
    if exc.errno == errno.ELOOP:
        return "符号链接（快捷方式）循环指向自身，无法读取"
    if exc.errno == errno.ENAMETOOLONG:
        return f"文件名过长（超过 {NAME_MAX_BYTES} 字节）"
    if exc.errno == errno.EISDIR:
        return "这是一个文件夹，不是文件"
    return f"无法读取文件：{exc.strerror or exc}"


def open_regular(path: os.PathLike | str) -> BinaryIO:
    """Open `path` for reading, refusing anything but a regular file (InputError). The open never
    blocks (O_NONBLOCK: a FIFO would wait for a writer) and the check is on the opened descriptor."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(read_error_message(exc), where=str(path)) from None
    except ValueError:  # an embedded NUL
        raise InputError("文件名含有无效字符", where=str(path)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(not_regular_message(mode), where=str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: os.PathLike | str, limit: int, what: str = "文件") -> bytes:
    """The bytes of a regular file of at most `limit` bytes (InputError otherwise)."""
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise InputError(too_big_message(size, limit, what), where=str(path))
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(read_error_message(exc), where=str(path)) from None
    if len(data) > limit:
        raise InputError(too_big_message(len(data), limit, what), where=str(path))
    return data


def too_big_message(size: int, limit: int, what: str) -> str:
    return (f"{what}过大（{size / 1024 / 1024:.1f} MB），超过上限 {limit / 1024 / 1024:g} MB；"
            f"请确认文件是否正确，或拆分成几个较小的文件")


# Writing -----------------------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_error(path: os.PathLike | str, exc: OSError) -> OutputError:
    reason = _WRITE_ERRORS.get(exc.errno) or (exc.strerror or str(exc))
    return OutputError(f"无法写入：{reason}；没有留下不完整的文件", where=str(path))


def check_replaceable(path: os.PathLike | str) -> None:
    """An existing output may be replaced only if it is a regular file: never a symlink (its target
    would stay, the link would go), a device, a FIFO or a folder (OutputError)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise write_error(path, exc) from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError("已存在，且是符号链接（快捷方式），不是普通文件：即使加 --force 也不会替换；请另取一个文件名",
                          where=str(path))
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"已存在，且不是普通文件（是{_kind(st.st_mode)}）：即使加 --force 也不会替换；请另取一个文件名",
                          where=str(path))


@contextmanager
def atomic_output(path: os.PathLike | str, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp path in the target's folder; when the block ends without error, move it to
    `path` (mode 0666 less the umask, like any new file: mkstemp's 0600 would hide the file from
    colleagues on a shared folder). With overwrite=False an existing target is never replaced
    (FileExistsError); with overwrite=True only a regular file is (OutputError otherwise). On error
    the temp file is removed and the target is untouched; a failed write is an OutputError."""
    path = Path(path)
    if overwrite:
        check_replaceable(path)
    import tempfile   # not at import: a one-file `jixiao validate` writes nothing
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".~jixiao-", suffix=path.suffix[:16], dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise write_error(path, exc) from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            check_replaceable(path)
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileExistsError) or not _about_output(exc, tmp, path):
            raise
        raise write_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _about_output(exc: OSError, tmp: Path, path: Path) -> bool:
    """Whether an error raised while an output was written is about writing it: a full disk (whatever
    file it names), or a failure on the temp file, the target or their folder. Anything else (a
    program that could not be started, an input that vanished) is not reported as a write failure."""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EIO):
        return True
    if exc.errno not in _WRITE_ERRORS:
        return False
    named = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    ours = {str(tmp), str(path), str(tmp.parent)}
    return not named or any(n in ours or os.path.dirname(n) == str(tmp.parent) for n in named)


def _place_new(tmp: Path, path: Path) -> None:
    """Move tmp to path unless path exists: a hard link fails if the name was taken meanwhile; where
    there are no hard links (some network drives) check, then rename."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{shown_name(path)} 已存在，不会覆盖") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENAMETOOLONG, errno.EACCES):
            raise
        if os.path.lexists(path):
            raise FileExistsError(f"{shown_name(path)} 已存在，不会覆盖") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def workbook_bytes(wb, path: os.PathLike | str = "") -> bytes:
    """An openpyxl workbook serialised in memory: the zip is complete before any byte reaches the
    target's disk (see save_quietly for what a failure gives)."""
    buf = io.BytesIO()
    save_quietly(wb, buf, path)
    return buf.getvalue()


def save_quietly(wb, dest, path: os.PathLike | str = "") -> None:
    """`wb.save(dest)` (an openpyxl workbook; `dest` a temp path or a buffer), failures as in `quietly`."""
    quietly(path, wb.save, dest)


def quietly(path: os.PathLike | str, write, *args):
    """`write(*args)`, code that writes a workbook with openpyxl (which streams each sheet through a
    temp file in TMPDIR): a write that fails (a full disk, no permission) becomes an OutputError naming
    `path`, and the half-done zip and sheet writers openpyxl leaves behind are closed quietly instead of
    printing "Exception ignored in ... ZipFile.__del__" noise. Other errors pass unchanged.

    (A function, not a context manager: the failed writers are released with the exception's
    traceback, which a context manager's __exit__ would keep alive past the clean-up below.)"""
    import tempfile
    hook = sys.unraisablehook
    try:
        return write(*args)
    except Exception as exc:  # noqa: BLE001 - sorted below
        sys.unraisablehook = _ignore_unraisable
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            failure = write_error(path or tempfile.gettempdir(), exc)
        elif type(exc).__name__ == "SerialisationError" and "IO_" in str(exc):   # lxml's I/O errors
            failure = OutputError(f"无法写入：保存时在临时文件夹 {shown_name(tempfile.gettempdir())} 中写入失败"
                                  f"（{exc}，多为磁盘空间不足）；没有留下不完整的文件", where=str(path))
        else:
            failure = exc
    try:
        gc.collect()          # the writers, released with the exception above, are closed now
    finally:
        sys.unraisablehook = hook
    raise failure


def _ignore_unraisable(_unraisable) -> None:
    """While a failed save is cleaned up: openpyxl's abandoned writers raise again as they close."""


def write_bytes(path: os.PathLike | str, data: bytes, *, overwrite: bool = True) -> Path:
    """Write `data` as `path` atomically (see atomic_output)."""
    with atomic_output(path, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(path)


def save_workbook(wb, path: os.PathLike | str, *, overwrite: bool = True) -> Path:
    """Save an openpyxl workbook as `path`, atomically and never half-written."""
    return write_bytes(path, workbook_bytes(wb, path), overwrite=overwrite)


# Names -------------------------------------------------------------------------------------------

def name_bytes(name: str) -> int:
    if os.name == "nt":
        return len(name.encode("utf-16-le", "surrogatepass")) // 2
    return len(os.fsencode(name))


def fit_name(stem: str, suffix: str, reserve: int = 0, limit: int = NAME_MAX_BYTES) -> str:
    """`stem + suffix`, the stem cut (with "…") so the name fits in `limit` bytes with `reserve`
    bytes to spare (for a "（2）" added later)."""
    room = limit - reserve - name_bytes(suffix)
    if name_bytes(stem) <= room:
        return stem + suffix
    ellipsis = "…"
    room -= name_bytes(ellipsis)
    cut = stem
    while cut and name_bytes(cut) > room:
        cut = cut[:-max(1, (name_bytes(cut) - room) // 4)]
    return cut.rstrip(" .") + ellipsis + suffix


# Not in a file name: path separators and what Windows forbids, control and bidi characters.
_UNSAFE_NAME = re.compile('[\\\\/:*?"<>|\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]+')
_RESERVED_NAME = re.compile(r"^(CON|PRN|AUX|NUL|COM\d|LPT\d)(\.|$)", re.I)
#: Room kept in a name made by safe_name for a "（2）" added to tell duplicates apart.
NAME_RESERVE = len("（9999）".encode())


def safe_name(text: str, suffix: str, fallback: str = "jixiao", reserve: int = NAME_RESERVE) -> str:
    """A file name made from text out of a form or a data file (a project's or a sheet's name): no
    path, no character a file system or a terminal would take for something else, not a Windows
    device name, at most 255 bytes with `reserve` to spare. The full text stays in the workbook."""
    name = _UNSAFE_NAME.sub("_", str(text)).strip(" .")
    if not name.strip("_ "):
        name = fallback
    if _RESERVED_NAME.match(name):       # CON, NUL, LPT1 ... name devices on Windows
        name = "_" + name
    return fit_name(name, suffix, reserve=reserve)
