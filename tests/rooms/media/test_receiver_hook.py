import queue
import threading
from importlib.metadata import version

import aiortc.rtcrtpreceiver
import av
import pytest
from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCRtpReceiver,
)
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpreceiver import RemoteStreamTrack

from rooms.media.errors import ReceiverHookError
from rooms.media.receiver_hook import PINNED_AIORTC_VERSION, check_aiortc, forward_encoded
from rooms.media.router import MediaRouter


def bare_receiver() -> RTCRtpReceiver:
    transport = RTCDtlsTransport(
        RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
    )
    receiver = RTCRtpReceiver("audio", transport)
    receiver._track = RemoteStreamTrack(kind="audio")
    return receiver


@pytest.mark.unit
def test_the_installed_aiortc_is_the_pinned_one():
    assert version("aiortc") == PINNED_AIORTC_VERSION, (
        f"aiortc {version('aiortc')} is installed but rooms/media/receiver_hook.py is pinned "
        f"to {PINNED_AIORTC_VERSION}: re-read aiortc's rtcrtpreceiver.py and update the hook."
    )


@pytest.mark.unit
async def test_the_private_attributes_the_hook_replaces_still_exist():
    receiver = bare_receiver()
    check_aiortc(receiver)
    assert isinstance(receiver._RTCRtpReceiver__jitter_buffer, JitterBuffer)
    assert isinstance(receiver._RTCRtpReceiver__decoder_queue, queue.Queue)
    # The stop path the hook relies on: the sentinel goes to the decoder queue.
    assert callable(receiver._RTCRtpReceiver__stop_decoder)
    assert callable(aiortc.rtcrtpreceiver.decoder_worker)


@pytest.mark.unit
async def test_a_receiver_without_those_attributes_is_refused():
    receiver = bare_receiver()
    del receiver._RTCRtpReceiver__decoder_queue
    with pytest.raises(ReceiverHookError, match="internals changed"):
        forward_encoded(receiver, lambda packet: None)


@pytest.mark.unit
async def test_installing_twice_is_refused():
    receiver = bare_receiver()
    forward_encoded(receiver, lambda packet: None)
    with pytest.raises(ReceiverHookError, match="already installed"):
        forward_encoded(receiver, lambda packet: None)


@pytest.mark.integration
async def test_forwarded_audio_is_never_decoded_on_the_server(
    router: MediaRouter, join, monkeypatch
):
    decoding_threads: list[threading.Thread] = []
    real_get_decoder = aiortc.rtcrtpreceiver.get_decoder

    def spy(codec):
        decoding_threads.append(threading.current_thread())
        return real_get_decoder(codec)

    monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", spy)
    published: list[object] = []
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    await join("speaker", tone=440)
    router.publisher("speaker").subscribe(_Collect(published))
    listener = await join("listener")
    await listener.hears(0, 440)

    mic = router.peer("speaker").pc.getTransceivers()[0].receiver
    server_decoder = mic._RTCRtpReceiver__decoder_thread
    assert server_decoder is not None and server_decoder.is_alive()
    assert server_decoder not in decoding_threads
    assert decoding_threads  # the listener's client does decode, through the same function
    assert mic.track._queue.qsize() == 0
    assert len(published) > 10
    assert {type(p) for p in published} == {av.Packet}
    assert {p.time_base.denominator for p in published} == {48_000}

    await router.close("speaker")
    server_decoder.join(timeout=2)
    assert not server_decoder.is_alive()
    assert mic.track.readyState == "live"  # ends when read: aiortc queued the end-of-stream


class _Collect:
    def __init__(self, into: list[object]) -> None:
        self.into = into

    def push(self, packet: av.Packet) -> None:
        self.into.append(packet)

    def discontinuity(self) -> None:
        pass
