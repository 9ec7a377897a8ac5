import os

import pytest


@pytest.fixture(scope="session")
def calc():
    """One persistent headless LibreOffice for the whole session (tests/support/libreoffice.py).
    Skipped only outside CI when LibreOffice is missing; with CI=true a missing one fails."""
    from tests.support.libreoffice import Calc, availability

    ok, why = availability()
    if not ok:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and {why}", pytrace=False)
        pytest.skip(why)
    with Calc() as c:
        yield c


@pytest.fixture(scope="session")
def gnumeric():
    """Gnumeric's ssconvert, the second spreadsheet engine (tests/support/gnumeric.py); same CI rule."""
    from tests.support import gnumeric as gn

    ok, why = gn.available()
    if not ok:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and {why}", pytrace=False)
        pytest.skip(why)
    return gn
