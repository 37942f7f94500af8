"""What interpreters need before a lightning block: the languages coming up, and their sources.

``GET /interpret/lightning/{block_id}`` (interpreters and organisers): the running order
with each talk's language and slides, and for each booth of the block whether it takes
that talk direct from the floor or by relay through another booth (the applied roster's
``Booth.sources``).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import Route

from ..domain.people import Role
from ..storage import talks as storage
from ..storage.tables import Booth, LightningTalk, Person, Session
from .messages import N_
from .page import Ctx, Forbidden, NotFound, page
from .talks import viewer_zone


@dataclass(frozen=True)
class Source:
    booth: str
    kind: str  # "floor" (the talk is in the booth's language), "direct", "relay", "unplanned"
    pivot: str = ""


@dataclass(frozen=True)
class Item:
    talk: LightningTalk
    speaker: Person
    sources: list[Source]


def sources_for(language: str, booths: list[Booth]) -> list[Source]:
    """How each booth gets a talk given in ``language``."""
    result = []
    for booth in booths:
        if booth.language.casefold() == language.casefold():
            result.append(Source(booth.language, "floor"))
            continue
        source = next(
            (v for k, v in booth.sources.items() if k.casefold() == language.casefold()), None
        )
        if source is None:
            result.append(Source(booth.language, "unplanned"))
        elif source.startswith("relay:"):
            result.append(Source(booth.language, "relay", source.removeprefix("relay:")))
        else:
            result.append(Source(booth.language, "direct"))
    return result


@page(signed_in=True)
def block_notes(ctx: Ctx) -> Response:
    if not (ctx.has(Role.INTERPRETER) or ctx.has(Role.ORGANISER)):
        raise Forbidden(N_("This page is for interpreters and organisers."))
    conference = ctx.conference()
    block = ctx.db.get(Session, ctx.request.path_params["block_id"])
    if block is None or block.conference_id != conference.id or block.kind != "lightning":
        raise NotFound(N_("There is no such lightning block."))
    booths = storage.booths_of(ctx.db, block)
    items = [
        Item(talk, speaker, sources_for(talk.language, booths))
        for talk, speaker in storage.running_order(ctx.db, block)
    ]
    languages = list(dict.fromkeys(item.talk.language for item in items))
    relays = sorted(
        {(s.booth, s.pivot) for item in items for s in item.sources if s.kind == "relay"}
    )
    return ctx.render(
        "lightning_notes.html",
        block=block,
        items=items,
        booths=booths,
        languages=languages,
        relays=relays,
        zone=viewer_zone(ctx, conference),
    )


routes = [Route("/interpret/lightning/{block_id:id}", block_notes)]
