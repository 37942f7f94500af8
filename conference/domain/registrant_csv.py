"""Registrants as CSV: reading an organiser's file into cleaned registrations, without a database.

Every row goes through :func:`conference.domain.registration.clean`, so a row is accepted
exactly when the registration form would accept the same answers. Problems are sentences
that name the row as a spreadsheet numbers it (the header is row 1) and the column, e.g.
``Row 3, email: This is not an email address, such as name@example.org.``
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .registration import Form, RegistrationData, clean

COLUMNS = (
    "name",
    "email",
    "timezone",
    "languages",
    "sessions",
    "data_country",
    "data_carrier",
    "data_gb",
    "childcare_children",
    "childcare_sessions",
)
REQUIRED = ("name", "email", "timezone", "languages")
DATA_COLUMNS = ("data_country", "data_carrier", "data_gb")
CHILDCARE_COLUMNS = ("childcare_children", "childcare_sessions")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# The csv module's only complaint about a row, once NUL bytes are allowed, is a cell over its
# size limit: most often a quote that is never closed and swallows the rest of the file.
UNREADABLE = "this row cannot be read as CSV: a cell is too long, or a quote is not closed."

_LANGUAGE_SEPARATORS = re.compile(r"[\s;,]+")
# Spreadsheets run a cell that starts with one of these as a formula; exports put an
# apostrophe in front (which the spreadsheet hides) and imports take it away again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    """A row that passed every check, with its number as a spreadsheet shows it."""

    number: int
    data: RegistrationData


@dataclass(frozen=True)
class Preview:
    """What an import would do: the clean rows, and one sentence per problem."""

    rows: tuple[Row, ...]
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the whole file can be imported."""
        return not self.errors and bool(self.rows)


def session_keys(sessions: Iterable[tuple[int, str]]) -> dict[str, int]:
    """The ``sessions`` mapping :func:`parse` takes, from (id, title) pairs.

    A title that two sessions share is left out, so only its id selects either.
    """
    pairs = list(sessions)
    keys: dict[str, int] = {str(ident): ident for ident, _ in pairs}
    seen = Counter(title.strip().casefold() for _, title in pairs)
    for ident, title in pairs:
        key = title.strip().casefold()
        if key and seen[key] == 1:
            keys.setdefault(key, ident)
    return keys


def protect(cell: str) -> str:
    """A cell as it is written to a CSV file that a spreadsheet will open."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def unprotect(cell: str) -> str:
    """The inverse of :func:`protect`, applied to every cell read."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


def parse(text: str | bytes, sessions: Mapping[str, int]) -> Preview:
    """Read a CSV file of registrants; ``sessions`` maps ids and titles to session ids."""
    raw = text if isinstance(text, bytes) else None
    size = len(raw) if raw is not None else len(str(text).encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return _failed("The file is larger than 5 MB; split it into smaller files.")
    if raw is not None:
        raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return _failed(
                f"The file is not UTF-8 text (line {line} has other bytes). "
                'Save it as "CSV UTF-8" and upload it again.'
            )
    assert isinstance(text, str)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return _failed("The file is empty.")

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().casefold() for cell in next(reader)]
    except csv.Error:
        return _failed(f"Row 1: {UNREADABLE}")
    problem = _check_header(header)
    if problem:
        return _failed(problem)

    lookup = {key.strip().casefold(): ident for key, ident in sessions.items()}
    known = frozenset(sessions.values())
    rows: list[Row] = []
    errors: list[str] = []
    first_row_of: dict[str, int] = {}
    number = 1
    data_rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(f"Row {number + 1}: {UNREADABLE}")
            break
        number += 1
        if not any(cell.strip() for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            return _failed(
                f"The file has more than {MAX_ROWS:,} registrants; split it into smaller files."
            )
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            errors.append(
                f"Row {number}: this row has {len(cells)} cells, "
                f"but the header has {len(header)} columns."
            )
            continue
        values = {
            column: unprotect(cells[i]) if i < len(cells) else "" for i, column in enumerate(header)
        }
        data, problems = _clean_row(values, lookup, known)
        for column, message in problems:
            errors.append(f"Row {number}, {column}: {message}")
        if data is None:
            continue
        key = data.email.casefold()
        if key in first_row_of:
            errors.append(
                f"Row {number}, email: This email is also on row {first_row_of[key]}; "
                "each registrant needs a row of their own."
            )
            continue
        first_row_of[key] = number
        rows.append(Row(number, data))

    if data_rows == 0 and not errors:
        errors.append("The file has no registrants below the header row.")
    return Preview(tuple(rows), tuple(errors))


def _failed(message: str) -> Preview:
    return Preview((), (message,))


def _check_header(header: Sequence[str]) -> str | None:
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        return "Row 1: the columns must be separated by commas, not semicolons or tabs."
    for column in header:
        if column and column not in COLUMNS:
            return (
                f"Row 1: {column[:40]!r} is not a column we know; "
                f"the columns are {', '.join(COLUMNS)}."
            )
    repeated = [column for column in COLUMNS if header.count(column) > 1]
    if repeated:
        return f"Row 1: the column {repeated[0]} appears more than once."
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        names = ", ".join(missing)
        noun = "column" if len(missing) == 1 else "columns"
        return f"Row 1: the {noun} {names} {'is' if len(missing) == 1 else 'are'} missing."
    return None


def _clean_row(
    values: Mapping[str, str], lookup: Mapping[str, int], known: frozenset[int]
) -> tuple[RegistrationData | None, list[tuple[str, str]]]:
    """Clean one row with the form's rules; problems as (column, sentence), in column order."""
    form: dict[str, str | list[str]] = {
        "name": values.get("name", ""),
        "email": values.get("email", ""),
        "timezone": values.get("timezone", ""),
        "languages": [t for t in _LANGUAGE_SEPARATORS.split(values.get("languages", "")) if t],
        "sessions": _session_refs(values.get("sessions", ""), lookup),
    }
    if any(values.get(column, "").strip() for column in DATA_COLUMNS):
        form["need_data"] = "1"
        for column in DATA_COLUMNS:
            form[column] = values.get(column, "")
    if any(values.get(column, "").strip() for column in CHILDCARE_COLUMNS):
        form["need_childcare"] = "1"
        form["childcare_children"] = values.get("childcare_children", "")
        form["childcare_sessions"] = _session_refs(values.get("childcare_sessions", ""), lookup)
    data, errors = clean(Form.from_mapping(form), known)
    order = {column: index for index, column in enumerate(COLUMNS)}
    problems = sorted(errors.items(), key=lambda item: order.get(item[0], len(order)))
    return data, problems


def _session_refs(cell: str, lookup: Mapping[str, int]) -> list[str]:
    """Ids or titles separated by ";", as ids; an unknown one is passed on for clean() to name."""
    refs = []
    for raw in cell.split(";"):
        raw = raw.strip()
        if raw:
            ident = lookup.get(raw.casefold())
            refs.append(str(ident) if ident is not None else raw)
    return refs


def write(rows: Iterable[Sequence[str]]) -> str:
    """A CSV file with the header :data:`COLUMNS` and one line per row, safe to open in a spreadsheet."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([protect(cell) for cell in row])
    return out.getvalue()
