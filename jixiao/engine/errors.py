"""Errors users see. Messages are Chinese, and say where (file, sheet, cell) and what to do."""

from .safetext import shown_name


class JixiaoError(Exception):
    """Any error meant for a user: printed as its message, never as a traceback."""

    def __init__(self, message: str, *, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{shown_name(self.where)}：{self.message}" if self.where else self.message


class ProfileError(JixiaoError):
    """A rule profile that cannot be found, rendered or understood."""


class WorkbookError(JixiaoError):
    """A workbook that cannot be read as a jixiao form."""
