"""The interpretation extension over the real websocket protocol, with real aiortc clients.

One server (uvicorn on a free loopback port) per test. The floor speaker publishes 440 Hz,
Ivan 660 Hz, Iris 880 Hz, Fay (the French booth) 550 Hz. The floor fade's hold is cut
to 0.6 s so that the waits stay short; the e2e tests run it at the real 3 s.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from interpretation.domain import FloorLevel
from interpretation.signalling.service import Interpretation
from interpretation.web.views import EXTRAS_KEY
from rooms.client import RoomClient
from rooms.signalling import ConnectTokens, Identity, Limits
from rooms.web.live import EXTRAS_KEY as ROOMS_KEY
from tests.support.interpretation_seed import BREAKOUT, PLENARY, interpretation_conference
from tests.support.live import free_port, serving
from tests.support.proxy import SilentDrop

pytestmark = pytest.mark.integration

SECRET = "interpretation-ws-" + "k" * 32
HOLD = 0.6
FLOOR_HZ, IVAN_HZ, IRIS_HZ, FAY_HZ = 440, 660, 880, 550


@dataclass
class Site:
    ws_url: str
    app: Any
    ids: dict[str, int]
    tokens: ConnectTokens
    clients: list[RoomClient]

    @property
    def interpretation(self) -> Interpretation:
        found = self.app.state.services.extras[EXTRAS_KEY]
        assert isinstance(found, Interpretation)
        return found

    def room_id(self, session_id: int) -> str:
        live = self.app.state.services.extras[ROOMS_KEY]
        return str(live.registry.room_for_session(str(session_id)))

    async def client(
        self, name: str, roles: list[str], tone: float | None = None, ws_url: str = ""
    ) -> RoomClient:
        person = str(self.ids.get(name, 900 + len(self.clients)))
        token = self.tokens.issue(Identity.of(person, name.title(), roles))
        client = RoomClient(ws_url or self.ws_url, token=token, tone=tone)
        self.clients.append(client)
        await client.connect()
        return client


@pytest.fixture
async def site(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Site]:
    path = tmp_path / "interpretation.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = interpretation_conference(engine)
    port = free_port()
    app = create_app(
        Settings(
            database_url=f"sqlite:///{path}", secret_key=SECRET, site_url=f"http://127.0.0.1:{port}"
        ),
        engine,
    )
    app.state.services.extras[EXTRAS_KEY].hold = HOLD
    clients: list[RoomClient] = []
    with serving(app, port):
        # The live room exists once the lifespan runs: describe the plenary like its page does.
        live = app.state.services.extras[ROOMS_KEY]
        live.registry.describe_session(str(PLENARY), "plenary", "Opening plenary")
        live.registry.describe_session(str(BREAKOUT), "breakout", "Safety and inclusion")
        try:
            yield Site(f"ws://127.0.0.1:{port}/ws", app, ids, ConnectTokens(SECRET), clients)
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
            engine.dispose()


async def enter_booth(client: RoomClient, room_id: str) -> dict[str, Any]:
    await client.send("booth_enter", room_id=room_id)
    return await client.expect("booth_state")


async def latest(
    client: RoomClient, type: str, within: float = 5.0, **match: Any
) -> dict[str, Any]:
    """The next message of ``type`` whose fields equal ``match`` (earlier ones are skipped)."""
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {type} with {match} within {within} s")
        message = await client.expect(type, within=left)
        if all(message.get(k) == v for k, v in match.items()):
            return message


async def silent(client: RoomClient, slot: str, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while client.frequency(slot) is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"{slot} still carries {client.frequency(slot)} Hz")
        await asyncio.sleep(0.05)


async def plenary_with_booths(site: Site) -> tuple[RoomClient, RoomClient, RoomClient, RoomClient]:
    """Flora on the floor, Ivan and Fay in their booths (not on air yet), Lea listening."""
    room = site.room_id(PLENARY)
    flora = await site.client("flora", ["speaker"], FLOOR_HZ)
    ivan = await site.client("ivan", ["interpreter"], IVAN_HZ)
    fay = await site.client("fay", ["interpreter"], FAY_HZ)
    lea = await site.client("lea", ["participant"])
    await flora.join(room)
    await lea.join(room)
    await enter_booth(ivan, room)
    await enter_booth(fay, room)
    await asyncio.gather(*(c.start_media() for c in (flora, ivan, fay, lea)))
    return flora, ivan, fay, lea


async def test_a_language_switch_keeps_one_connection_and_brings_the_new_interpreter(
    site: Site,
) -> None:
    async with asyncio.timeout(40):
        flora, ivan, fay, lea = await plenary_with_booths(site)
        await lea.send("list_channels")
        channels = await lea.expect("channels")
        assert [(c["language"], c["name"]) for c in channels["channels"]] == [
            ("original", ""),
            ("es", "Español"),
            ("fr", "Français"),
        ]
        # Interpreters are heard in no floor slot: they are not on the floor.
        assert await lea.wait_for_tone(FLOOR_HZ) == "floor-0"
        await ivan.send("on_air", on=True)
        await fay.send("on_air", on=True)
        await lea.send("select_language", language="es", balance=0.85)
        mix = await latest(lea, "mix", language="es")
        assert (mix["floor"], mix["interpreter"], mix["reason"]) == (pytest.approx(0.3), 1.0, None)
        assert await lea.wait_for_tone(IVAN_HZ) == "channel"
        pc = lea.pc

        await lea.send("select_language", language="fr", balance=0.85)
        await latest(lea, "mix", language="fr")
        assert await lea.wait_for_tone(FAY_HZ) == "channel"
        assert lea.pc is pc and pc is not None and pc.connectionState == "connected"
        # The floor stays in its slot underneath, and nobody hears an interpreter on the floor.
        assert abs((lea.frequency("floor-0") or 0) - FLOOR_HZ) < 10
        assert lea.frequency("floor-1") is None
        assert flora.frequency("channel") is None
        assert all(abs(f - FLOOR_HZ) < 10 for f in ivan.heard())  # the floor, nobody else

        await lea.send("select_language", language="original", balance=0.85)
        mix = await latest(lea, "mix", language="original")
        assert (mix["floor"], mix["interpreter"]) == (1.0, 0.0)
        await silent(lea, "channel")


async def test_one_voice_per_booth_and_the_partner_hears_the_colleague_on_air(
    site: Site,
) -> None:
    room = site.room_id(PLENARY)
    async with asyncio.timeout(40):
        ivan = await site.client("ivan", ["interpreter"], IVAN_HZ)
        iris = await site.client("iris", ["interpreter"], IRIS_HZ)
        state = await enter_booth(ivan, room)
        assert (state["booth"], state["state"], state["you"]) == (
            "es",
            "idle",
            str(site.ids["ivan"]),
        )
        assert [m["name"] for m in state["members"]] == ["Ivan Interpreter", "Iris Interpreter"]
        assert state["turn"] is not None and state["sources"] == ["floor", "relay:fr"]
        await enter_booth(iris, room)
        await asyncio.gather(ivan.start_media(), iris.start_media())

        await ivan.send("on_air", on=True)
        await latest(iris, "booth_state", on_air=str(site.ids["ivan"]))
        await iris.send("on_air", on=True)
        error = await iris.expect("error")
        assert (error["code"], error["about"]) == ("invalid_state", "on_air")
        assert await iris.wait_for_tone(IVAN_HZ) == "channel"

        await iris.send("handover", action="request")
        seen = await latest(ivan, "booth_state", state="handover_requested")
        assert seen["pending"] == {
            "kind": "request",
            "by": str(site.ids["iris"]),
            "to": seen["you"],
        }
        await ivan.send("handover", action="accept")
        await latest(ivan, "booth_state", on_air=str(site.ids["iris"]))
        assert await ivan.wait_for_tone(IRIS_HZ) == "channel"

        await ivan.send("take_over")
        assert await iris.wait_for_tone(IVAN_HZ) == "channel"
        history = site.interpretation.rooms[room].channels.booth("es").history
        assert [t.event.value for t in history] == [
            "go_on_air",
            "request_handover",
            "accept_handover",
            "take_over",
        ]


async def test_people_outside_the_booth_are_refused_and_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    room = site.room_id(PLENARY)
    caplog.set_level(logging.WARNING, logger="interpretation")
    async with asyncio.timeout(20):
        otto = await site.client("otto", ["interpreter"])  # an interpreter, in no booth here
        lea = await site.client("lea", ["participant"])
        await lea.join(room)
        for client, type, fields in (
            (otto, "booth_enter", {"room_id": room}),
            (otto, "on_air", {"on": True}),
            (lea, "booth_enter", {"room_id": room}),
            (lea, "cough", {"coughing": True}),
        ):
            await client.send(type, **fields)
            error = await client.expect("error")
            assert (error["code"], error["about"]) == ("forbidden", type)
        await lea.send("booth_open", room_id=room, languages=["de"], members=[])
        assert (await lea.expect("error"))["code"] == "forbidden"
    refusals = [r.getMessage() for r in caplog.records if r.name.startswith("interpretation")]
    assert len(refusals) == 4 and all(r.startswith("refused ") for r in refusals)
    assert not any("Otto" in r or "Lea" in r or str(site.ids["otto"]) in r for r in refusals)


async def test_a_cough_mutes_the_channel_and_keeps_the_floor_under(site: Site) -> None:
    room = site.room_id(PLENARY)
    async with asyncio.timeout(40):
        flora, ivan, fay, lea = await plenary_with_booths(site)
        await ivan.send("on_air", on=True)
        await lea.send("select_language", language="es", balance=0.85)
        await lea.wait_for_tone(IVAN_HZ)
        await ivan.send("cough", coughing=True)
        await latest(ivan, "booth_state", state="coughing")
        await silent(lea, "channel")
        await asyncio.sleep(HOLD * 2)  # a fade would have come up by now
        fade = site.interpretation.rooms[room].fades["es"]
        assert fade.level is FloorLevel.UNDER
        assert [m for m in lea.seen if m["type"] == "mix" and m["reason"]] == []
        assert abs((lea.frequency("floor-0") or 0) - FLOOR_HZ) < 10
        await ivan.send("cough", coughing=False)
        assert await lea.wait_for_tone(IVAN_HZ) == "channel"


async def test_a_dropped_interpreter_brings_the_floor_up_after_the_hold_and_back(
    site: Site,
) -> None:
    async with asyncio.timeout(40):
        flora, ivan, fay, lea = await plenary_with_booths(site)
        await ivan.send("on_air", on=True)
        await lea.send("select_language", language="es", balance=0.85)
        await latest(lea, "mix", reason=None)
        await lea.wait_for_tone(IVAN_HZ)
        started = time.monotonic()
        await ivan.close()
        mix = await latest(lea, "mix", reason="interpreter_dropped", within=HOLD + 3)
        assert time.monotonic() - started >= HOLD - 0.05
        assert (mix["floor"], mix["interpreter"]) == (1.0, 1.0)

        # Iris takes the air from the dropped colleague: the floor goes back under at once.
        iris = await site.client("iris", ["interpreter"], IRIS_HZ)
        await enter_booth(iris, site.room_id(PLENARY))
        await iris.start_media()
        await iris.send("take_over")
        mix = await latest(lea, "mix", reason=None)
        assert mix["floor"] == pytest.approx(0.3)
        assert await lea.wait_for_tone(IRIS_HZ) == "channel"


async def test_an_organiser_opens_a_booth_in_a_breakout_room(site: Site) -> None:
    async with asyncio.timeout(40):
        room = site.room_id(PLENARY)
        olu = await site.client("olu", ["organiser"])
        ada = await site.client("ada", ["participant"], FLOOR_HZ)
        lea = await site.client("lea", ["participant"])
        await olu.join(room)
        await ada.join(room)
        await lea.join(room)
        await olu.send(
            "breakout_open",
            mode="by_hand",
            rooms=[{"title": "Pairs", "seats": [ada.seat_id, lea.seat_id]}],
        )
        opened = await olu.expect("breakouts_opened")
        breakout = opened["breakout"]["rooms"][0]["room_id"]
        await olu.send("board_watch", room_id=room)
        board = await latest(olu, "board", room_id=room)
        assert [c["language"] for c in board["channels"]] == ["original", "es", "fr"]
        await olu.send(
            "booth_open", room_id=breakout, languages=["de"], members=[str(site.ids["fay"])]
        )
        board = await latest(olu, "board", room_id=breakout)
        if len(board["channels"]) == 1:  # the board of the room before the booth opened
            board = await latest(olu, "board", room_id=breakout)
        assert [(c["language"], c["booth"]) for c in board["channels"]] == [
            ("original", None),
            ("de", "de"),
        ]

        fay = await site.client("fay", ["interpreter"], FAY_HZ)
        state = await enter_booth(fay, room)  # the console finds her booth in the breakout room
        assert (state["room_id"], state["booth"], state["room_title"]) == (breakout, "de", "Pairs")
        await asyncio.gather(ada.start_media(), lea.start_media(), fay.start_media())
        await fay.send("on_air", on=True)
        await lea.send("select_language", language="de", balance=1.0)
        mix = await latest(lea, "mix", language="de")
        assert (mix["floor"], mix["interpreter"]) == (0.0, 1.0)
        assert await lea.wait_for_tone(FAY_HZ) == "channel"
        assert await lea.wait_for_tone(FLOOR_HZ) == "floor-0"
        board = await latest(olu, "board", room_id=breakout, listeners={"original": 1, "de": 1})
        assert board["problems"] == []
        # A second booth for the same language is refused (boards may still be on their way).
        await olu.send("booth_open", room_id=breakout, languages=["de"], members=[])
        refused = await olu.expect("error")
        assert refused["about"] == "booth_open"


async def test_an_interpreter_whose_network_drops_silently_goes_off_air(site: Site) -> None:
    """Issue 10: no close, no FIN, no pong; the server notices by its heartbeat (8 s)."""
    assert Limits().heartbeat_timeout < 10  # the bound the issue asks for
    room = site.room_id(PLENARY)
    port = int(site.ws_url.split(":")[2].split("/")[0])
    async with asyncio.timeout(60), SilentDrop(port).running() as wifi:
        flora = await site.client("flora", ["speaker"], FLOOR_HZ)
        ivan = await site.client(
            "ivan", ["interpreter"], IVAN_HZ, ws_url=f"ws://127.0.0.1:{wifi.port}/ws"
        )
        fay = await site.client("fay", ["interpreter"], FAY_HZ)
        lea = await site.client("lea", ["participant"])
        await flora.join(room)
        await lea.join(room)
        await enter_booth(ivan, room)
        await enter_booth(fay, room)
        await ivan.send("on_air", on=True)
        await lea.send("select_language", language="es", balance=0.85)
        await latest(lea, "mix", reason=None)

        wifi.drop()
        # A bounded wait: the heartbeat timeout, then the floor's hold, with room for a
        # loaded machine. Listeners hear the floor come up instead of silence.
        mix = await latest(lea, "mix", reason="interpreter_dropped", within=30)
        assert (mix["floor"], mix["interpreter"]) == (1.0, 1.0)
        seat = site.app.state.services.extras[ROOMS_KEY].registry.seats[ivan.seat_id]
        assert seat.state.value == "away"  # kept for 30 s, so Ivan can resume


async def test_a_console_s_floor_feed_reaches_the_organisers_board(site: Site) -> None:
    async with asyncio.timeout(30):
        room = site.room_id(PLENARY)
        olu = await site.client("olu", ["organiser"])
        ivan = await site.client("ivan", ["interpreter"])
        await olu.join(room)
        await enter_booth(ivan, room)
        await olu.send("board_watch", room_id=room)
        board = await latest(olu, "board", room_id=room)
        assert board["feeds"] == []

        reading = {"loss_pct": 2.1, "jitter_ms": 12, "delay_ms": 64}
        await ivan.send("feed_health", state="unstable", reasons=["loss"], **reading)
        board = await latest(olu, "board", room_id=room)
        assert board["feeds"] == [
            {"booth": "es", "booth_name": "Español", "name": "Ivan Interpreter", "state": "unstable",
             "reasons": ["loss"], **reading}
        ]  # fmt: skip

        await ivan.send(
            "feed_health", state="good", reasons=[], loss_pct=0, jitter_ms=3, delay_ms=40
        )
        board = await latest(olu, "board", room_id=room)
        assert [(f["state"], f["reasons"]) for f in board["feeds"]] == [("good", [])]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"state": "fine"}, "state must be one of good, unstable, poor, none"),
        ({"reasons": ["noise"]}, "reasons lists some of"),
        ({"loss_pct": 140}, "loss_pct is a number from 0 to 100"),
        ({"jitter_ms": -1}, "jitter_ms is a number"),
    ],
)
async def test_a_malformed_feed_report_is_refused_naming_the_field(
    site: Site, fields: dict[str, Any], words: str
) -> None:
    async with asyncio.timeout(20):
        ivan = await site.client("ivan", ["interpreter"])
        await enter_booth(ivan, site.room_id(PLENARY))
        report = {"state": "good", "reasons": [], "loss_pct": 0, "jitter_ms": 0, "delay_ms": 0}
        await ivan.send("feed_health", **{**report, **fields})
        error = await ivan.expect("error")
        assert (error["code"], words in error["message"].lower()) == ("malformed", True), error


async def test_only_booth_members_report_a_floor_feed(site: Site) -> None:
    async with asyncio.timeout(20):
        report = {"state": "good", "reasons": [], "loss_pct": 0, "jitter_ms": 0, "delay_ms": 0}
        lea = await site.client("lea", ["participant"])
        otto = await site.client("otto", ["interpreter"])
        await lea.join(site.room_id(PLENARY))
        for client in (lea, otto):
            await client.send("feed_health", **report)
            error = await client.expect("error")
            assert (error["code"], error["about"]) == ("forbidden", "feed_health")
