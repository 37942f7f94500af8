"""Reading registrants from CSV: the same rules as the form, problems named by row and column."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conference.domain import fields, registration
from conference.domain.fields import FieldError
from conference.domain.registrant_csv import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    Preview,
    Row,
    parse,
    protect,
    session_keys,
    unprotect,
    write,
)
from conference.domain.registration import ChildcareNeed, DataNeed, RegistrationData

pytestmark = pytest.mark.unit

SESSIONS = session_keys([(1, "Opening plenary"), (2, "Hubs"), (3, "Movement Charter")])
HEADER = ",".join(COLUMNS)


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def errors_of(text: str | bytes) -> tuple[str, ...]:
    return parse(text, SESSIONS).errors


def test_session_keys_map_ids_and_titles_case_insensitively() -> None:
    assert SESSIONS == {
        "1": 1,
        "2": 2,
        "3": 3,
        "opening plenary": 1,
        "hubs": 2,
        "movement charter": 3,
    }


def test_a_title_two_sessions_share_is_reachable_only_by_id() -> None:
    assert session_keys([(1, "Social"), (2, "social "), (3, "Hubs")]) == {
        "1": 1,
        "2": 2,
        "3": 3,
        "hubs": 3,
    }


def test_a_good_file_gives_one_clean_row_per_registrant() -> None:
    text = csv_of(
        "Priya Sharma,priya@Example.ORG,Asia/Kolkata,hi en,Opening plenary; hubs,IN,Jio,10,,",
        'Chinedu Bello,chinedu@example.org,Africa/Lagos,"en; yo,ha",1;3,,,,2,Movement Charter',
        "Ana Silva,ana@example.org,America/Sao_Paulo,pt-br,,,,,,",
    )
    assert parse(text, SESSIONS) == Preview(
        rows=(
            Row(
                2,
                RegistrationData(
                    name="Priya Sharma",
                    email="priya@example.org",
                    timezone="Asia/Kolkata",
                    languages=("hi", "en"),
                    sessions=(1, 2),
                    data=DataNeed("IN", "Jio", 10.0),
                ),
            ),
            Row(
                3,
                RegistrationData(
                    name="Chinedu Bello",
                    email="chinedu@example.org",
                    timezone="Africa/Lagos",
                    languages=("en", "yo", "ha"),
                    sessions=(1, 3),
                    childcare=ChildcareNeed(2, (3,)),
                ),
            ),
            Row(
                4,
                RegistrationData(
                    name="Ana Silva",
                    email="ana@example.org",
                    timezone="America/Sao_Paulo",
                    languages=("pt-BR",),
                    sessions=(),
                ),
            ),
        ),
        errors=(),
    )
    assert parse(text, SESSIONS).ok


def test_columns_may_come_in_any_order_and_case_and_optional_ones_may_be_left_out() -> None:
    text = csv_of("en,Asia/Jakarta,dewi@example.org,Dewi", header="Languages, TIMEZONE,email,Name")
    preview = parse(text, SESSIONS)
    assert preview.errors == ()
    assert [row.data.email for row in preview.rows] == ["dewi@example.org"]


def test_utf8_with_and_without_bom_is_accepted() -> None:
    text = csv_of("João Silva,joao@example.org,America/Sao_Paulo,pt-BR,,,,,,")
    for data in (text, "\ufeff" + text, text.encode(), b"\xef\xbb\xbf" + text.encode()):
        preview = parse(data, SESSIONS)
        assert preview.errors == ()
        assert [row.data.name for row in preview.rows] == ["João Silva"]


def test_a_bad_email_is_named_by_row_and_column() -> None:
    text = csv_of(
        "Priya Sharma,priya@example.org,Asia/Kolkata,hi,,,,,,",
        "Chinedu Bello,chinedu.example.org,Africa/Lagos,en,,,,,,",
    )
    preview = parse(text, SESSIONS)
    assert preview.errors == (
        "Row 3, email: This is not an email address, such as name@example.org.",
    )
    assert [row.number for row in preview.rows] == [2]
    assert not preview.ok


def said(check: Callable[..., object], *args: object, **kwargs: object) -> str:
    """What the form says about a value: the CSV import must say the same after its prefix."""
    with pytest.raises(FieldError) as caught:
        check(*args, **kwargs)
    return str(caught.value)


def test_every_problem_of_a_row_is_reported_in_column_order() -> None:
    text = csv_of(",someone@,Mars/Olympus,xx-yy-zz,Hubx;99,N,,0,25,")
    assert errors_of(text) == (
        "Row 2, name: This field is required.",
        "Row 2, email: This is not an email address, such as name@example.org.",
        f"Row 2, timezone: {said(fields.timezone, 'Mars/Olympus')}",
        f"Row 2, languages: {said(fields.language_list, ['xx-yy-zz'])}",
        f"Row 2, sessions: {said(registration._ids, ['Hubx'], {1, 2, 3})}",
        "Row 2, data_country: Give the country as its two-letter code, such as IN or NG.",
        "Row 2, data_carrier: This field is required.",
        "Row 2, data_gb: This must be more than 0 GB.",
        f"Row 2, childcare_children: {said(fields.whole_number, '25', minimum=1, maximum=20)}",
        "Row 2, childcare_sessions: Choose the sessions that need childcare.",
    )
    # The sentences themselves belong to the form; here they only need to name the value.
    assert "Mars/Olympus" in errors_of(text)[2]
    assert "Hubx" in errors_of(text)[4]


def test_an_unknown_session_id_and_missing_languages_are_errors() -> None:
    text = csv_of("Ana,ana@example.org,UTC, ; ,1;99,,,,,")
    assert errors_of(text) == (
        "Row 2, languages: Choose at least one language.",
        f"Row 2, sessions: {said(registration._ids, ['99'], {1, 2, 3})}",
    )
    assert "99" in errors_of(text)[1]


def test_a_missing_required_column_is_named() -> None:
    assert errors_of(csv_of("Ana,UTC,en", header="name,timezone,languages")) == (
        "Row 1: the column email is missing.",
    )
    assert errors_of(csv_of("Ana,UTC", header="name,timezone")) == (
        "Row 1: the columns email, languages are missing.",
    )


def test_an_unknown_or_repeated_column_is_refused_so_nothing_is_silently_dropped() -> None:
    assert errors_of(
        csv_of("a,a@example.org,UTC,en,x", header="name,email,timezone,languages,sesions")
    ) == (
        "Row 1: 'sesions' is not a column we know; the columns are "
        "name, email, timezone, languages, sessions, data_country, data_carrier, data_gb, "
        "childcare_children, childcare_sessions.",
    )
    assert errors_of(
        csv_of("a,a@example.org,UTC,en,en", header="name,email,timezone,languages,languages")
    ) == ("Row 1: the column languages appears more than once.",)


def test_a_file_separated_by_semicolons_is_explained() -> None:
    text = "name;email;timezone;languages\r\nAna;ana@example.org;UTC;en\r\n"
    assert errors_of(text) == (
        "Row 1: the columns must be separated by commas, not semicolons or tabs.",
    )


@pytest.mark.parametrize("text", ["", "   \r\n\r\n", b"", b"\xef\xbb\xbf", "\ufeff"])
def test_an_empty_file_is_refused(text: str | bytes) -> None:
    assert errors_of(text) == ("The file is empty.",)


def test_a_header_without_rows_is_refused() -> None:
    assert errors_of(HEADER + "\r\n,,,,,,,,,\r\n") == (
        "The file has no registrants below the header row.",
    )
    assert not parse(HEADER, SESSIONS).ok


def test_a_file_over_5_mb_is_refused_before_it_is_read() -> None:
    row = "Ana,ana@example.org,UTC,en,,,,,,\r\n"
    text = HEADER + "\r\n" + row * (MAX_BYTES // len(row) + 1)
    assert errors_of(text) == ("The file is larger than 5 MB; split it into smaller files.",)
    assert errors_of(text.encode()) == (
        "The file is larger than 5 MB; split it into smaller files.",
    )


def test_at_most_20000_registrants_per_file() -> None:
    rows = [f"P{i},p{i}@example.org,UTC,en,,,,,," for i in range(MAX_ROWS + 1)]
    assert errors_of(csv_of(*rows)) == (
        "The file has more than 20,000 registrants; split it into smaller files.",
    )
    preview = parse(csv_of(*rows[:MAX_ROWS]), SESSIONS)
    assert preview.errors == ()
    assert len(preview.rows) == MAX_ROWS
    assert preview.rows[-1].number == MAX_ROWS + 1


def test_bytes_that_are_not_utf8_are_refused_with_their_line() -> None:
    text = csv_of("Ana,ana@example.org,UTC,en,,,,,,", "Jos\xe9,jose@example.org,UTC,es,,,,,,")
    assert errors_of(text.encode("latin-1")) == (
        'The file is not UTF-8 text (line 3 has other bytes). Save it as "CSV UTF-8" and '
        "upload it again.",
    )


def test_a_quote_that_is_never_closed_is_reported_at_its_row() -> None:
    text = csv_of("Ana,ana@example.org,UTC,en,,,,,,", 'Bo,"bo@example.org,UTC,en,,,,,,')
    text += "Cy,cy@example.org,UTC,en,,,,,,\r\n" * 10_000
    preview = parse(text, SESSIONS)
    assert preview.errors == (
        "Row 3: this row cannot be read as CSV: a cell is too long, or a quote is not closed.",
    )
    assert [row.number for row in preview.rows] == [2]


def test_a_repeated_email_names_both_rows() -> None:
    text = csv_of(
        "Ana Silva,ana@example.org,UTC,pt-BR,,,,,,",
        "Priya Sharma,priya@example.org,Asia/Kolkata,hi,,,,,,",
        "Ana S.,Ana@EXAMPLE.org,UTC,pt-BR,,,,,,",
    )
    preview = parse(text, SESSIONS)
    assert preview.errors == (
        "Row 4, email: This email is also on row 2; each registrant needs a row of their own.",
    )
    assert [row.number for row in preview.rows] == [2, 3]


def test_a_row_with_more_cells_than_columns_is_refused() -> None:
    text = csv_of("Ana,ana@example.org,UTC,en,,,,,,,surplus", "Bo,bo@example.org,UTC,en")
    preview = parse(text, SESSIONS)
    assert preview.errors == ("Row 2: this row has 11 cells, but the header has 10 columns.",)
    assert [row.number for row in preview.rows] == [3]


def test_row_numbers_follow_the_spreadsheet_across_blank_and_multiline_rows() -> None:
    text = csv_of(
        '"Ana\nSilva",ana@example.org,UTC,en,,,,,,',
        "",
        ",,,,,,,,,",
        "Bo,bo@,UTC,en,,,,,,",
    )
    assert errors_of(text) == (
        "Row 5, email: This is not an email address, such as name@example.org.",
    )


def test_cells_protected_against_spreadsheet_formulas_read_back_unchanged() -> None:
    for cell in ("=1+2", "+44 team", "-", "@home", "plain", "'quoted", ""):
        assert unprotect(protect(cell)) == cell
    assert protect("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert protect("Ana") == "Ana"


def test_write_then_parse_gives_the_same_registrations() -> None:
    text = write(
        [
            ["=Ana Silva", "ana@example.org", "UTC", "pt-BR es", "Hubs; Opening plenary",
             "BR", "Vivo", "2.5", "1", "Hubs"],
            ["Bo", "bo@example.org", "Africa/Lagos", "en", "", "", "", "", "", ""],
        ]
    )  # fmt: skip
    assert text.splitlines()[0] == HEADER
    assert text.splitlines()[1].startswith("'=Ana Silva,")
    preview = parse(text, SESSIONS)
    assert preview.errors == ()
    assert [row.data for row in preview.rows] == [
        RegistrationData(
            name="=Ana Silva",
            email="ana@example.org",
            timezone="UTC",
            languages=("pt-BR", "es"),
            sessions=(2, 1),
            data=DataNeed("BR", "Vivo", 2.5),
            childcare=ChildcareNeed(1, (2,)),
        ),
        RegistrationData(
            name="Bo",
            email="bo@example.org",
            timezone="Africa/Lagos",
            languages=("en",),
            sessions=(),
        ),
    ]
