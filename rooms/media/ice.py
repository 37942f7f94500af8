"""ICE configuration: STUN/TURN servers, TURN REST credentials, loopback and mDNS candidates.

- By default the server uses no ICE servers at all (aiortc's default STUN
  server cannot be reached from the machines we run on); deployments pass
  their STUN/TURN list to :class:`~rooms.media.router.MediaRouter`.
- :func:`turn_credentials` implements the TURN REST scheme (coturn's
  ``use-auth-secret``): username ``"<expiry unix time>:<user>"``, credential
  ``base64(HMAC-SHA1(secret, username))``.
- :func:`drop_mdns_candidates` removes a browser's ``.local`` candidates from
  its offer; aioice would try to resolve them by multicast. The browser still
  connects through a peer-reflexive candidate.
- :func:`add_loopback_candidates` adds a 127.0.0.1 host candidate, which
  aioice leaves out: needed when loopback is the only interface (tests, a
  developer's laptop offline). It touches two private attributes
  (``RTCIceGatherer._connection`` and aioice's ``Connection._local_candidates``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer, RTCPeerConnection

__all__ = [
    "TurnCredentials",
    "add_loopback_candidates",
    "configuration",
    "drop_mdns_candidates",
    "ice_servers",
    "turn_credentials",
]

LOOPBACK = "127.0.0.1"
DEFAULT_TURN_TTL = 24 * 3600


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    credential: str
    expires_at: int


def turn_credentials(
    secret: str, user: str, ttl: int = DEFAULT_TURN_TTL, now: float | None = None
) -> TurnCredentials:
    """Time-limited TURN credentials for ``user`` that a TURN server sharing ``secret`` accepts."""
    if ":" in user:
        raise ValueError("a TURN REST user must not contain ':'")
    expires_at = int(time.time() if now is None else now) + ttl
    username = f"{expires_at}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode("ascii"), expires_at)


def ice_servers(
    stun_urls: list[str] | None = None,
    turn_urls: list[str] | None = None,
    turn_secret: str | None = None,
    user: str = "server",
    ttl: int = DEFAULT_TURN_TTL,
    now: float | None = None,
) -> list[RTCIceServer]:
    """The ICE server list for one user: STUN as is, TURN with fresh REST credentials."""
    servers = [RTCIceServer(urls=list(stun_urls))] if stun_urls else []
    if turn_urls:
        if turn_secret is None:
            raise ValueError("TURN URLs need a shared secret")
        creds = turn_credentials(turn_secret, user, ttl, now)
        servers.append(
            RTCIceServer(urls=list(turn_urls), username=creds.username, credential=creds.credential)
        )
    return servers


def browser_ice_servers(servers: list[RTCIceServer]) -> list[dict[str, object]]:
    """The same list in the shape ``new RTCPeerConnection({iceServers})`` takes."""
    out: list[dict[str, object]] = []
    for server in servers:
        entry: dict[str, object] = {"urls": server.urls}
        if server.username is not None:
            entry["username"] = server.username
            entry["credential"] = server.credential
        out.append(entry)
    return out


def configuration(servers: list[RTCIceServer] | None = None) -> RTCConfiguration:
    """An RTCConfiguration with an explicit server list (empty unless given), max-bundle.

    Max-bundle: every m-section shares the first one's transport. With aiortc's
    default (balanced), an answer to an offer with both audio and video bundles
    the later video sections onto the first video section's own transport, which
    BUNDLE then closes: those senders never start (aiortc 1.16).
    """
    return RTCConfiguration(iceServers=list(servers or []), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def drop_mdns_candidates(sdp: str) -> str:
    """``sdp`` without its ``a=candidate`` lines whose address is an mDNS ``.local`` name."""
    lines = sdp.splitlines(keepends=True)
    kept = [line for line in lines if not _is_mdns_candidate(line)]
    return "".join(kept)


def _is_mdns_candidate(line: str) -> bool:
    if not line.startswith("a=candidate:"):
        return False
    fields = line.split()
    # candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
    return len(fields) > 4 and fields[4].lower().endswith(".local")


async def add_loopback_candidates(pc: RTCPeerConnection) -> None:
    """Gather ``pc``'s candidates now, plus one on 127.0.0.1, before setLocalDescription.

    setLocalDescription gathers only once, so the loopback candidate then
    appears in the description like any host candidate.
    """
    gatherers = {id(t.receiver.transport.transport.iceGatherer): t for t in pc.getTransceivers()}
    for transceiver in gatherers.values():
        gatherer = transceiver.receiver.transport.transport.iceGatherer
        await gatherer.gather()
        connection = gatherer._connection
        if any(c.host == LOOPBACK for c in connection.local_candidates):
            continue
        # Without this, aioice would also query STUN and allocate a second TURN
        # relay for the loopback socket.
        servers = connection.stun_server, connection.turn_server
        connection.stun_server = connection.turn_server = None
        try:
            for component in sorted(connection._components):
                candidates = await connection.get_component_candidates(
                    component=component, addresses=[LOOPBACK]
                )
                connection._local_candidates += candidates
        finally:
            connection.stun_server, connection.turn_server = servers
