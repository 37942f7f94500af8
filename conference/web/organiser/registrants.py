"""Registrants: the filtered list, its CSV export, and the all-or-nothing CSV import."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from ...domain import languages, registrant_csv
from ...domain.fields import Errors, Message
from ...domain.people import Role
from ...storage import registrant_io
from ...storage import sessions as programme_storage
from ...storage.registrant_io import SupportFilter
from ...storage.tables import Conference
from ..ids import query_number
from ..page import Ctx, page
from .forms import int_param

log = logging.getLogger(__name__)

PREVIEW_ROWS = 500
PAGE_SIZE = 100


@dataclass(frozen=True)
class Filters:
    """The list's filters as the query string gave them; unusable ones are dropped with a note."""

    language: str | None
    session_id: int | None
    support: SupportFilter | None
    problems: dict[str, str]

    def query(self) -> str:
        pairs = {
            "language": self.language or "",
            "session": str(self.session_id) if self.session_id is not None else "",
            "support": self.support or "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    def as_values(self) -> dict[str, str]:
        return {
            "language": self.language or "",
            "session": str(self.session_id) if self.session_id is not None else "",
            "support": self.support or "",
        }


def _filters(ctx: Ctx, session_ids: set[int]) -> Filters:
    params = ctx.request.query_params
    problems = Errors()
    language = params.get("language", "").strip() or None
    if language is not None:
        try:
            language = languages.normalise(language)
        except languages.UnknownLanguage:
            problems["language"] = Message(
                "This is not a language tag we know, such as fr or pt-BR."
            )
            language = None
    session_id = None
    if params.get("session", "").strip():
        session_id = int_param(params.get("session"))
        if session_id not in session_ids:
            problems["session"] = Message("This is not a session of this conference.")
            session_id = None
    support: SupportFilter | None = None
    raw_support = params.get("support", "").strip()
    if raw_support:
        if raw_support == "data_package":
            support = "data_package"
        elif raw_support == "childcare":
            support = "childcare"
        elif raw_support == "any":
            support = "any"
        else:
            problems["support"] = Message("Choose a kind of support from the list.")
    return Filters(language, session_id, support, problems)


def _programme(ctx: Ctx, conference: Conference) -> dict[int, str]:
    return {s.id: s.title for s in programme_storage.programme(ctx.db, conference) if s.id}


@page(role=Role.ORGANISER)
def registrant_list(ctx: Ctx) -> Response:
    conference = ctx.conference()
    titles = _programme(ctx, conference)
    chosen = _filters(ctx, set(titles))
    # A page of rows at a time: 5,000 registrants in one table is megabytes nobody reads.
    ids = registrant_io.matching_ids(
        ctx.db,
        conference,
        language=chosen.language,
        session_id=chosen.session_id,
        support=chosen.support,
    )
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    number = min(max(1, query_number(ctx.request.query_params, "page") or 1), pages)
    base = "/organiser/registrants?" + (f"{chosen.query()}&" if chosen.query() else "")
    return ctx.render(
        "organiser/registrants.html",
        status_code=400 if chosen.problems else 200,
        conference=conference,
        registrants=registrant_io.described(
            ctx.db, conference, ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        ),
        total=len(ids),
        page=number,
        pages=pages,
        page_url=base + "page=",
        sessions=list(titles.items()),
        values=chosen.as_values(),
        errors=chosen.problems,
        export_url="/organiser/registrants.csv" + (f"?{chosen.query()}" if chosen.query() else ""),
        language_choices=languages.choices(),
        imported=int_param(ctx.request.query_params.get("imported")),
    )


@page(role=Role.ORGANISER)
def registrant_csv_export(ctx: Ctx) -> Response:
    conference = ctx.conference()
    chosen = _filters(ctx, set(_programme(ctx, conference)))
    body = registrant_io.export_csv(
        ctx.db,
        conference,
        language=chosen.language,
        session_id=chosen.session_id,
        support=chosen.support,
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{conference.slug}-registrants.csv"',
            "Cache-Control": "no-store",
        },
    )


def _import_page(
    ctx: Ctx,
    conference: Conference,
    *,
    preview: registrant_csv.Preview | None = None,
    text: str = "",
    errors: tuple[str, ...] = (),
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    titles = _programme(ctx, conference)
    rows = list(preview.rows[:PREVIEW_ROWS]) if preview else []
    return ctx.render(
        "organiser/registrants_import.html",
        status_code=status_code,
        conference=conference,
        preview=preview,
        rows=rows,
        hidden_rows=len(preview.rows) - len(rows) if preview else 0,
        titles=titles,
        problems=errors,
        text=text,
        columns=registrant_csv.COLUMNS,
        values={},
        errors=field_errors or {},
    )


def _upload(ctx: Ctx) -> bytes | None:
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    # The decorator caps the request at 6 MB; parse() names files above its own 5 MB limit.
    return upload.file.read(registrant_csv.MAX_BYTES + 1)


@page(role=Role.ORGANISER)
def registrant_import(ctx: Ctx) -> Response:
    """Upload → preview (nothing written) → "import" re-reads and re-checks the same text."""
    conference = ctx.conference()
    if ctx.request.method == "GET":
        return _import_page(ctx, conference)
    keys = registrant_io.session_keys(ctx.db, conference)
    if ctx.value("action") == "import":
        text = ctx.value("csv_text")
        preview = registrant_csv.parse(text, keys)
        try:
            count = registrant_io.import_preview(ctx.db, conference, preview)
        except registrant_io.ImportRejected as exc:
            ctx.db.rollback()
            return _import_page(
                ctx, conference, preview=preview, errors=exc.errors, status_code=400
            )
        log.info(
            "%s registrants imported by person #%s", count, ctx.person.id if ctx.person else None
        )
        return ctx.redirect(f"/organiser/registrants?imported={count}")
    raw = _upload(ctx)
    if raw is None:
        return _import_page(
            ctx,
            conference,
            field_errors=Errors(file=Message("Choose a CSV file to upload.")),
            status_code=400,
        )
    preview = registrant_csv.parse(raw, keys)
    problems = preview.errors
    text = ""
    if preview.ok:
        problems = _dry_run(ctx, conference, preview)
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    return _import_page(
        ctx,
        conference,
        preview=preview,
        text=text if not problems else "",
        errors=problems,
        status_code=400 if problems else 200,
    )


def _dry_run(ctx: Ctx, conference: Conference, preview: registrant_csv.Preview) -> tuple[str, ...]:
    """What the import would refuse (emails already registered...), with nothing kept."""
    try:
        registrant_io.import_preview(ctx.db, conference, preview)
    except registrant_io.ImportRejected as exc:
        return exc.errors
    finally:
        ctx.db.rollback()
    return ()


routes = [
    Route("/organiser/registrants", registrant_list),
    Route("/organiser/registrants.csv", registrant_csv_export),
    Route("/organiser/registrants/import", registrant_import, methods=["GET", "POST"]),
]
