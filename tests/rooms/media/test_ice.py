import base64
import hashlib
import hmac

import pytest
from aiortc import RTCPeerConnection
from aiortc.rtcicetransport import RTCIceGatherer

from rooms.media.ice import (
    LOOPBACK,
    add_loopback_candidates,
    browser_ice_servers,
    configuration,
    drop_mdns_candidates,
    ice_servers,
    turn_credentials,
)

OFFER = (
    "v=0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=candidate:1 1 udp 2122260223 3f6a8c1e-1a2b-4c3d-9e8f-0123456789ab.local 54321 typ host\r\n"
    "a=candidate:2 1 udp 2122260223 192.0.2.7 54322 typ host\r\n"
    "a=candidate:3 1 udp 1686052607 198.51.100.1 3478 typ srflx raddr 0.0.0.0 rport 0\r\n"
    "a=mid:0\r\n"
)


@pytest.mark.unit
def test_turn_credentials_follow_the_turn_rest_scheme():
    creds = turn_credentials("s3cret", "alice", ttl=3600, now=1_700_000_000)

    assert creds.username == "1700003600:alice"
    assert creds.expires_at == 1_700_003_600
    expected = hmac.new(b"s3cret", b"1700003600:alice", hashlib.sha1).digest()
    assert creds.credential == base64.b64encode(expected).decode()
    # echo -n "1700003600:alice" | openssl dgst -sha1 -hmac s3cret -binary | base64
    assert creds.credential == "YAFdW/YDZewZsR1QSgUk2IrfbRI="


@pytest.mark.unit
def test_a_turn_user_with_a_colon_is_refused():
    with pytest.raises(ValueError):
        turn_credentials("s3cret", "a:b")


@pytest.mark.unit
def test_ice_servers_for_a_deployment():
    servers = ice_servers(
        stun_urls=["stun:stun.example.org:3478"],
        turn_urls=["turn:turn.example.org:3478?transport=udp"],
        turn_secret="s3cret",
        user="alice",
        ttl=60,
        now=1000,
    )

    assert browser_ice_servers(servers) == [
        {"urls": ["stun:stun.example.org:3478"]},
        {
            "urls": ["turn:turn.example.org:3478?transport=udp"],
            "username": "1060:alice",
            "credential": turn_credentials("s3cret", "alice", 60, 1000).credential,
        },
    ]
    with pytest.raises(ValueError):
        ice_servers(turn_urls=["turn:turn.example.org"])


@pytest.mark.unit
def test_the_default_configuration_has_an_explicit_empty_server_list():
    assert configuration().iceServers == []
    assert ice_servers() == []


@pytest.mark.unit
def test_mdns_candidates_are_dropped_and_others_kept():
    assert drop_mdns_candidates(OFFER) == (
        "v=0\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=candidate:2 1 udp 2122260223 192.0.2.7 54322 typ host\r\n"
        "a=candidate:3 1 udp 1686052607 198.51.100.1 3478 typ srflx raddr 0.0.0.0 rport 0\r\n"
        "a=mid:0\r\n"
    )


@pytest.mark.integration
async def test_the_loopback_candidate_appears_in_the_local_description():
    pc = RTCPeerConnection(configuration())
    try:
        pc.addTransceiver("audio", direction="recvonly")
        await add_loopback_candidates(pc)
        await add_loopback_candidates(pc)  # idempotent
        await pc.setLocalDescription(await pc.createOffer())

        lines = [line for line in pc.localDescription.sdp.splitlines() if LOOPBACK in line]
        assert len(lines) == 1 and lines[0].startswith("a=candidate:")
    finally:
        await pc.close()


@pytest.mark.unit
def test_the_private_ice_attributes_loopback_relies_on_still_exist():
    gatherer = RTCIceGatherer()
    connection = gatherer._connection
    assert isinstance(connection._local_candidates, list)
    assert callable(connection.get_component_candidates)
    assert connection._components == {1}
    assert hasattr(connection, "stun_server") and hasattr(connection, "turn_server")
