"""The signalling baseline: a bare ``websockets`` broadcast server, ``python -m benchmarks.bareserver``.

It speaks just enough of the rooms protocol for the same clients: ``hello`` → ``welcome``,
``join`` → ``room_snapshot`` plus ``presence_joined`` to the others, ``chat`` →
``chat_message`` to everyone in the room, with ``websockets.broadcast``. No identity,
heartbeat, rate limit, bus or queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve

from benchmarks.procs import raise_fd_limit


class Rooms:
    def __init__(self) -> None:
        self.members: dict[str, dict[ServerConnection, str]] = {}

    async def handle(self, ws: ServerConnection) -> None:
        seat = f"s{id(ws):x}"
        room: str | None = None
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "hello":
                    await ws.send(json.dumps({"type": "welcome", "seat_id": seat}))
                elif kind == "join":
                    room = str(message["room_id"])
                    members = self.members.setdefault(room, {})
                    me = {"seat_id": seat, "display_name": seat}
                    broadcast(members, json.dumps({"type": "presence_joined", "participant": me}))
                    members[ws] = seat
                    people = [{"seat_id": s, "display_name": s} for s in members.values()]
                    await ws.send(json.dumps({"type": "room_snapshot", "participants": people}))
                elif kind == "chat" and room is not None:
                    event = {
                        "type": "chat_message",
                        "seat_id": seat,
                        "text": message["text"],
                        "at": time.time(),
                    }
                    broadcast(self.members[room], json.dumps(event))
        finally:
            if room is not None:
                self.members[room].pop(ws, None)


async def main(port: int) -> None:
    rooms = Rooms()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with serve(rooms.handle, "127.0.0.1", port, backlog=4096, max_size=2**20):
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    raise_fd_limit()
    asyncio.run(main(parser.parse_args().port))
