"""The relay in the media: an origin's floor and booths heard through two edges' routers.

Three real routers in one process, real UDP sockets on loopback between them, real aiortc
clients as speaker, interpreters and listeners.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import av
import pytest

from rooms.media.relay import RelayCounts, new_key
from rooms.media.relay_feed import EdgeIngest, OriginRelay
from rooms.media.relay_socket import RelaySocket
from rooms.media.router import MediaRouter

from .conftest import CLOSE_TIMEOUT, Client

pytestmark = pytest.mark.integration

FLOOR_0 = 0
CHANNEL = -1
FLOOR_HZ, FR_HZ, DE_HZ = 440, 660, 880


@dataclass
class Edge:
    router: MediaRouter
    socket: RelaySocket
    ingest: EdgeIngest


@dataclass
class Cluster:
    origin: MediaRouter
    relay: OriginRelay
    edges: dict[str, Edge]
    clients: list[Client]

    async def join(self, router: MediaRouter, peer_id: str, tone: float | None = None) -> Client:
        client = Client(tone)
        self.clients.append(client)
        await client.join(router, peer_id)
        return client


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    origin = MediaRouter(loopback=True)
    relay = OriginRelay(await RelaySocket.open())
    edges = {}
    for name in ("edge-a", "edge-b"):
        router = MediaRouter(loopback=True)
        ingest = EdgeIngest(router)
        socket = await RelaySocket.open(on_packet=ingest)
        key = new_key()
        socket.inbound.allow("origin", relay.socket.address, key)
        relay.add_edge(name, socket.address, key)
        edges[name] = Edge(router, socket, ingest)
    found = Cluster(origin, relay, edges, [])
    try:
        yield found
    finally:
        await asyncio.gather(*(c.close() for c in found.clients), return_exceptions=True)
        relay.close()
        relay.socket.close()
        for edge in edges.values():
            edge.socket.close()
            await asyncio.wait_for(edge.router.aclose(), CLOSE_TIMEOUT)
        await asyncio.wait_for(origin.aclose(), CLOSE_TIMEOUT)


async def on_air(cluster: Cluster) -> None:
    """A floor speaker and two booths on the origin, relayed to every edge."""
    origin = cluster.origin
    origin.place("speaker", "plenary", may_publish=True)
    origin.set_floor_tap("plenary", cluster.relay.tap("floor"), name="relay")
    for booth in ("booth-fr", "booth-de"):
        origin.place(booth, None, may_publish=False)
        origin.set_voice_tap(f"relay:{booth}", booth, cluster.relay.tap(booth))
    await cluster.join(origin, "speaker", tone=FLOOR_HZ)
    await cluster.join(origin, "booth-fr", tone=FR_HZ)
    await cluster.join(origin, "booth-de", tone=DE_HZ)
    for edge in cluster.edges.values():
        # What an edge's signalling does with the session's state: the floor speaker on
        # the floor of the edge's copy of the room (the booths are named by set_channel).
        edge.router.place("speaker", "plenary", may_publish=True)


async def test_listeners_on_both_edges_hear_the_floor_and_switch_language_locally(cluster):
    await on_air(cluster)
    listeners = {}
    for name, edge in cluster.edges.items():
        for i in range(3):
            peer_id = f"{name}-listener-{i}"
            edge.router.place(peer_id, "plenary", may_publish=False)
            listeners[peer_id] = (edge, await cluster.join(edge.router, peer_id))

    for peer_id, (edge, client) in listeners.items():
        await client.hears(FLOOR_0, FLOOR_HZ)
        edge.router.set_channel(peer_id, "booth-fr")
        await client.hears(CHANNEL, FR_HZ)

    # One listener of edge-a switches to German: only its own slot changes.
    edge_a = cluster.edges["edge-a"]
    edge_a.router.set_channel("edge-a-listener-0", "booth-de")
    await listeners["edge-a-listener-0"][1].hears(CHANNEL, DE_HZ)
    for peer_id in ("edge-a-listener-1", "edge-b-listener-0"):
        await listeners[peer_id][1].hears(CHANNEL, FR_HZ)
    assert cluster.relay.sources == ["booth-de", "booth-fr", "speaker"]


async def test_the_origin_sends_each_source_once_per_edge_whatever_the_listeners(cluster):
    await on_air(cluster)
    edge_a, edge_b = cluster.edges["edge-a"], cluster.edges["edge-b"]
    clients = []
    for i in range(5):
        edge_a.router.place(f"a-{i}", "plenary", may_publish=False)
        edge_a.router.set_channel(f"a-{i}", "booth-fr")
        clients.append(await cluster.join(edge_a.router, f"a-{i}"))
    edge_b.router.place("b-0", "plenary", may_publish=False)
    edge_b.router.set_channel("b-0", "booth-de")
    clients.append(await cluster.join(edge_b.router, "b-0"))
    for client in clients:
        await client.hears(CHANNEL, FR_HZ if client is not clients[-1] else DE_HZ)

    relay = cluster.relay
    before = counts(cluster)
    await asyncio.sleep(1.0)
    after = counts(cluster)
    taken, sent_a, sent_b, forwarded_a, forwarded_b = (
        b - a for a, b in zip(before, after, strict=True)
    )

    # Each packet taken from a source left once per edge: the 5 listeners on edge-a cost
    # the origin no more than the 1 on edge-b. Each edge fanned out to its own listeners.
    assert taken > 0
    assert sent_a == sent_b == taken
    assert dict(relay.sent) == {"edge-a": sum(relay.packets_in.values())} | {
        "edge-b": sum(relay.packets_in.values())
    }
    assert forwarded_a >= 4 * forwarded_b > 0
    # The edges took every one of them from the origin alone, and refused nothing (the
    # sources muted first, so that none is on its way).
    for source in ("speaker", "booth-fr", "booth-de"):
        cluster.origin.set_muted(source, True)
    await asyncio.sleep(0.3)
    for edge in (edge_a, edge_b):
        received = edge.socket.counts
        assert received.unknown_peer == received.refused == 0
        assert received.received == sum(relay.packets_in.values())


def counts(cluster: Cluster) -> tuple[int, ...]:
    """Packets taken from the sources, sent to each edge, forwarded to each edge's slots."""
    relay = cluster.relay
    return (
        sum(relay.packets_in.values()),
        relay.sent["edge-a"],
        relay.sent["edge-b"],
        cluster.edges["edge-a"].router.packet_counts()[0],
        cluster.edges["edge-b"].router.packet_counts()[0],
    )


async def test_an_edge_drops_and_counts_packets_of_an_unknown_peer_or_key(cluster):
    await on_air(cluster)
    edge = cluster.edges["edge-a"]
    edge.router.place("listener", "plenary", may_publish=False)
    listener = await cluster.join(edge.router, "listener")
    await listener.hears(FLOOR_0, FLOOR_HZ)

    # Another socket on the machine sends what an origin would, with a key of its own;
    # then with the origin's address but not its key (a forged packet).
    intruder = OriginRelay(await RelaySocket.open())
    try:
        intruder.add_edge("edge-a", edge.socket.address, new_key())
        for i in range(20):
            packet = av.Packet(b"not the origin's")
            packet.pts = i * 960
            intruder.send("intruder", packet, restart=i == 0)
        for _ in range(100):
            if edge.socket.counts.unknown_peer >= 20:
                break
            await asyncio.sleep(0.02)
    finally:
        intruder.socket.close()
    counts: RelayCounts = edge.socket.counts
    assert counts.unknown_peer >= 20
    assert counts.refused == 0

    forger = await RelaySocket.open()
    try:
        origin_port = cluster.relay.socket.address
        forger.send(b"\x80\x6f\x00\x01" + bytes(40), edge.socket.address)
        edge.socket.datagram_received(b"\x80\x6f\x00\x02" + bytes(40), origin_port)
        await asyncio.sleep(0.1)
    finally:
        forger.close()
    assert edge.socket.counts.refused == 1
    assert edge.socket.counts.unknown_peer >= 21
    # The listener still hears the floor; nothing of the intruder's reached the router.
    await listener.hears(FLOOR_0, FLOOR_HZ)
    assert sorted(edge.ingest.packets) == ["booth-de", "booth-fr", "speaker"]


async def test_a_source_no_longer_relayed_leaves_the_edge_s_floor(cluster):
    await on_air(cluster)
    edge = cluster.edges["edge-a"]
    edge.router.place("listener", "plenary", may_publish=False)
    listener = await cluster.join(edge.router, "listener")
    await listener.hears(FLOOR_0, FLOOR_HZ)
    assert edge.router.floor_sources("listener")[0] == "speaker"

    # Its session moved to this node: the speaker is heard here only once it connects here.
    edge.router.end_relay("speaker")
    edge.router.end_relay("never-relayed")

    assert edge.router.floor_sources("listener") == [None, None]


async def test_an_edge_ranks_relayed_talkers_as_the_origin_does(cluster):
    """Three floor speakers, two floor slots: whoever started talking last takes a slot."""
    edge = cluster.edges["edge-a"]
    cluster.origin.set_floor_tap("plenary", cluster.relay.tap("floor"), name="relay")
    edge.router.place("listener", "plenary", may_publish=False)
    await cluster.join(edge.router, "listener")
    for peer_id, tone in (("first", 300), ("second", 500), ("third", 700)):
        cluster.origin.place(peer_id, "plenary", may_publish=True)
        edge.router.place(peer_id, "plenary", may_publish=True)
        await cluster.join(cluster.origin, peer_id, tone=tone)
        for _ in range(100):  # talking counts too: let each start in turn, on the edge
            if edge.router.talk_starts(peer_id):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"{peer_id} never started talking on the edge")

    assert edge.router.floor_sources("listener") == ["third", "second"]
