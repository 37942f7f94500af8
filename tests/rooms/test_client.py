"""The headless client against a real server: two people in a breakout hear each other."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.client import RoomClient, connect_info
from rooms.signalling import ConnectTokens, Identity
from tests.support.live import free_port, serving
from tests.support.seed import small_conference

pytestmark = pytest.mark.integration

SECRET = "headless-client-" + "k" * 32
BREAKOUT_SESSION = 2  # "Safety and inclusion": everyone may speak
PLENARY_SESSION = 1


async def test_two_clients_in_a_breakout_hear_each_other_and_a_third_room_hears_neither(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "client.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, site_url=site))
    tokens = ConnectTokens(SECRET)

    def token(person: str, roles: list[str]) -> str:
        return tokens.issue(Identity.of(person, person.title(), roles))

    with serving(app, port):
        ada_token, bruno_token, chen_token = (
            token("ada", ["participant"]),
            token("bruno", ["speaker"]),
            token("chen", ["participant"]),
        )
        breakout = await connect_info(site, BREAKOUT_SESSION, ada_token)
        plenary = await connect_info(site, PLENARY_SESSION, chen_token)
        assert breakout["room_id"] != plenary["room_id"]

        ada = RoomClient(breakout["ws_url"], token=ada_token, tone=440)
        bruno = RoomClient(breakout["ws_url"], token=bruno_token, tone=660)
        chen = RoomClient(plenary["ws_url"], token=chen_token, tone=880)
        try:
            async with asyncio.timeout(40):
                for client in (ada, bruno, chen):
                    await client.connect()
                await ada.join(breakout["room_id"])
                await bruno.join(breakout["room_id"])
                await chen.join(plenary["room_id"])
                await asyncio.gather(ada.start_media(), bruno.start_media(), chen.start_media())

                assert await ada.wait_for_tone(660) == "floor-0"
                assert await bruno.wait_for_tone(440) == "floor-0"
                await asyncio.sleep(1.0)  # time enough for anything misrouted to arrive

            ada_heard, bruno_heard = ada.report(), bruno.report()
            assert [(r.slot, r.frequency is not None) for r in ada_heard] == [
                ("floor-0", True),
                ("floor-1", False),
                ("floor-2", False),
                ("channel", False),
            ]
            assert abs((ada_heard[0].frequency or 0) - 660) < 10
            assert abs((bruno_heard[0].frequency or 0) - 440) < 10
            assert ada_heard[0].packets > 25 and ada_heard[0].bytes > 1000
            # Nobody hears their own voice, and the plenary hears nothing of the breakout.
            assert all(r.packets == 0 for r in ada_heard[1:])
            assert chen.heard() == []
            assert [(r.packets, r.bytes) for r in chen.report()] == [(0, 0)] * 4
        finally:
            await asyncio.gather(ada.close(), bruno.close(), chen.close())
            engine.dispose()
