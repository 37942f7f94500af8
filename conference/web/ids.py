"""Numbers from paths and query strings: ASCII digits that fit the database, or a clear no.

Python's ``int`` takes Unicode digits ("٣") and ``str.isdigit`` says yes to "²", which
``int`` then refuses; ids past the database's integer type fail inside the driver. Every
route with an id uses the ``id`` converter registered here, so such paths are plain 404s.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException

from .messages import N_

# Ids are PostgreSQL ``integer`` (SQLite takes 64 bits): the smaller bound holds for both.
ID_MAX = 2**31 - 1
_DIGITS = "0123456789"


def _below_id_max() -> str:
    """A regular expression for 1 to 2147483647 without leading zeros: no match is a 404."""
    text = str(ID_MAX)
    parts = [f"[1-9][0-9]{{0,{len(text) - 2}}}"]  # fewer digits than ID_MAX
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            low = "1" if i == 0 else "0"
            if int(digit) - 1 >= int(low):
                head = f"[{low}-{int(digit) - 1}]"
                parts.append(text[:i] + head + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class IdConvertor(Convertor[int]):
    regex = _below_id_max()

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


def parse_number(raw: str, maximum: int = ID_MAX) -> int | None:
    """A whole number written in ASCII digits, at most ``maximum``; None otherwise."""
    raw = raw.strip()
    if not raw or len(raw) > len(str(maximum)) or any(c not in _DIGITS for c in raw):
        return None
    number = int(raw)
    return number if number <= maximum else None


class BadNumber(HTTPException):
    """A 400 naming the query parameter that is not a whole number."""

    def __init__(self, name: str) -> None:
        super().__init__(
            400, N_("“%(field)s” must be a whole number written with the digits 0 to 9.")
        )
        self.values = {"field": name}


def query_number(params: Mapping[str, str], name: str) -> int | None:
    """The query parameter ``name`` as a number; None when absent; a 400 when it is not one."""
    raw = params.get(name, "")
    if not raw.strip():
        return None
    number = parse_number(raw)
    if number is None:
        raise BadNumber(name)
    return number
