"""Media negotiation passthrough: an SDP offer in, the media port's SDP answer out."""

from __future__ import annotations

import logging

from rooms.domain.errors import RoomsError
from rooms.media.errors import NegotiationError
from rooms.signalling.dispatch import Context, Dispatcher
from rooms.signalling.errors import MediaFailed
from rooms.signalling.messages import Answer, Offer

logger = logging.getLogger(__name__)


async def offer(ctx: Context, message: Offer) -> None:
    try:
        answer = await ctx.registry.negotiate(ctx.seat, message.sdp)
    except RoomsError:
        raise
    except NegotiationError as exc:  # the offer breaks the slot convention: say how
        raise MediaFailed(f"your offer was refused: {exc}") from exc
    except Exception as exc:  # the media layer's own failure must not end the connection
        logger.warning("negotiation for seat %s failed: %r", ctx.seat.seat_id, exc)
        raise MediaFailed("the media server could not answer your offer") from exc
    ctx.reply(Answer(sdp=answer))


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(Offer, offer)
