from importlib.metadata import version

import pytest
from aiortc import RTCPeerConnection

from rooms.media.sender_hook import PINNED_AIORTC_VERSION, check_sender_hooks, prefer_codecs

pytestmark = pytest.mark.unit


def test_the_sender_hooks_are_pinned_to_the_installed_aiortc():
    assert version("aiortc") == PINNED_AIORTC_VERSION
    check_sender_hooks()


async def test_the_private_attributes_the_hooks_set_exist():
    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video")
        assert isinstance(transceiver.sender._stream_id, str)
        assert callable(transceiver.sender._handle_rtcp_packet)
        assert callable(transceiver.receiver._send_rtcp_pli)
        await pc.createOffer()
        assert [c.mimeType for c in transceiver._codecs][:2] == ["video/VP8", "video/rtx"]
        prefer_codecs(transceiver, ["video/h264", "video/vp8"])
        assert transceiver._codecs[0].mimeType == "video/H264"
        assert transceiver._codecs[-1].mimeType == "video/rtx"
    finally:
        await pc.close()
