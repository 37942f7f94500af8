"""MediaRouter: who hears whom, for every participant's server-side peer.

The signalling layer calls it; the lifespan owns one instance::

    router = MediaRouter(ice_servers=None, loopback=False)
    answer_sdp = await router.negotiate(peer_id, offer_sdp)  # first offer creates the peer
    router.place(peer_id, room_id, may_publish=True)         # the room it hears and speaks in
    router.set_muted(peer_id, True)                          # organiser mute: mic forwarded nowhere
    router.set_channel(listener_id, interpreter_id)          # what the channel slot carries
    router.set_low_data(peer_id, True)                       # 9 kbit/s renditions, no video
    router.set_camera(peer_id, True)                         # its camera may be shown
    router.set_sharing(peer_id, True)                        # its screen fills its room's share slot
    router.set_pinned(peer_id, [signer_id])                  # what the pinned video slots show
    router.on_slots = callback                               # (peer_id, SlotAssignment) on change
    router.set_floor_tap(room_id, tap)                       # tap.follow([Fanout, ...]): the room's speakers
                                                             # (and tap.follow_video([VideoFanout, ...]) if it has it)
    router.set_voice_tap(key, peer_id, tap)                  # tap.follow([Fanout]): one voice (a booth's on air)
    router.set_camera_tap(key, peer_id, tap)                 # tap.follow_video([VideoFanout]): one camera (a signer's)
    router.relayed(source_id).publish(packet)                # an edge: another node's source (rooms.media.relay_feed)
    router.relayed_video(source_id, "camera", ask)           # its camera, fed by the relay too (its VideoFanout)
    await router.close(peer_id)
    await router.aclose()                                    # lifespan shutdown

Rules, re-applied after every call:

- floor slots: everyone placed in a room hears the room's speakers (placed
  there with ``may_publish``, not muted, microphone connected), never
  themselves; with more speakers than slots, whoever most recently started
  talking (the packets' audio level, :mod:`rooms.media.voice`) or became audible
  wins (see :mod:`rooms.media.slots`);
- channel slot: the microphone of ``set_channel``'s source, wherever that
  peer is placed and whether or not it may publish to its room (interpreters
  are placed with ``may_publish=False``); silent if the source is muted,
  unknown or gone; it comes back when that peer negotiates again;
- a muted peer's packets are dropped at its Fanout: no slot carries them;
- floor video slot i shows the camera of whoever floor slot i carries, if it is on
  (``set_camera``); a peer with its camera on keeps its floor slot while muted;
- share slot: the screen of the peer placed in the listener's room that most
  recently started sharing (``set_sharing``), never the listener's own;
- pinned slots: the cameras ``set_pinned`` chose, wherever those peers are;
- low-data listeners get no video at all.

State set before the first offer (``place``, ``set_channel``...) is kept, and a
second ``negotiate`` for the same id replaces the connection (a reconnect)
while keeping it. Setters on an id never seen create it; ``close`` forgets it.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiortc import RTCIceServer

from rooms.media import ice
from rooms.media.errors import UnknownPeerError
from rooms.media.fast_send import FastSendError, check_fast_send
from rooms.media.forwarding import Fanout, ForwardingTrack
from rooms.media.loss import LossBoard
from rooms.media.peer import ServerPeer
from rooms.media.red import DISTANCE, RedView
from rooms.media.rendition import LowBitrateRendition
from rooms.media.slots import assign_floor
from rooms.media.video import VideoFanout, VideoForwardingTrack
from rooms.media.video_send import check_video_send
from rooms.media.voice import VoiceActivity

__all__ = ["FloorTap", "MediaRouter", "RecoveryCounts", "SlotAssignment"]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Participant:
    peer_id: str
    fanout: Fanout
    room_id: str | None = None
    may_publish: bool = False
    muted: bool = False
    low_data: bool = False
    channel_source: str | None = None
    audible_since: int = 0
    spoke_since: int = 0  # when it last started talking (rooms.media.voice)
    voice: VoiceActivity = field(default_factory=VoiceActivity)
    peer: ServerPeer | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    camera: VideoFanout = field(init=False)
    screen: VideoFanout = field(init=False)
    camera_on: bool = False
    sharing_since: int | None = None
    pinned: tuple[str | None, ...] = ()
    slots: SlotAssignment | None = None
    relayed: bool = False  # a microphone on another node, fed by the relay (no peer here)
    relayed_video: set[str] = field(default_factory=set)  # "camera", "screen": fed by the relay

    def __post_init__(self) -> None:
        self.camera = VideoFanout(self.peer_id, "camera")
        self.screen = VideoFanout(self.peer_id, "screen")

    @property
    def speaks(self) -> bool:
        """On the floor: heard (mic on, not muted) or seen (camera on)."""
        if self.room_id is None or not self.may_publish:
            return False
        return (self.has_mic and not self.muted) or self.shows_camera

    @property
    def has_mic(self) -> bool:
        return self.relayed or (self.peer is not None and self.peer.has_mic)

    @property
    def shows_camera(self) -> bool:
        return self.camera_on and self.has_camera

    @property
    def has_camera(self) -> bool:
        return "camera" in self.relayed_video or (self.peer is not None and self.peer.has_camera)

    @property
    def has_screen(self) -> bool:
        return "screen" in self.relayed_video or (self.peer is not None and self.peer.has_screen)


@dataclass
class RecoveryCounts:
    """Loss recovery's counts: publishers' RED dropped or used, listeners' NACKs answered."""

    red_dropped: int = 0
    red_recovered: int = 0
    resent: int = 0
    nack_unknown: int = 0
    nack_limited: int = 0

    def add(self, peer: ServerPeer) -> None:
        if peer.mic_tap is not None:
            self.red_dropped += peer.mic_tap.red_dropped
            self.red_recovered += peer.mic_tap.recovered
        for budget in peer.nacks.values():
            self.resent += budget.resent
            self.nack_unknown += budget.unknown
            self.nack_limited += budget.limited

    def copy(self) -> RecoveryCounts:
        return RecoveryCounts(**vars(self))


class FloorTap(Protocol):
    """Hears a room's floor once (automatic captions), told who speaks there after each change."""

    def follow(self, sources: list[Fanout]) -> None: ...


class VideoTap(FloorTap, Protocol):
    """A floor tap that also sees the room (the relay to edges): its speakers' cameras on,
    and its screen share."""

    def follow_video(self, sources: list[VideoFanout]) -> None: ...


@dataclass(frozen=True)
class SlotAssignment:
    """What a participant's slots carry now: peer ids, None for nothing."""

    floor: tuple[str | None, ...]
    floor_video: tuple[str | None, ...]
    share: str | None
    pinned: tuple[str | None, ...]


class MediaRouter:
    """Every participant's peer connection, and which publisher feeds which slot."""

    def __init__(
        self,
        ice_servers: list[RTCIceServer] | None = None,
        *,
        loopback: bool = False,
        fast_send: bool = True,
        recovery: bool = True,
        video_fast_send: bool = True,
    ) -> None:
        """``fast_send``: listeners' packets bypass aiortc's sender loop (rooms.media.fast_send).
        With an aiortc or aioice other than the pinned ones, one warning and aiortc's sender
        loop instead: audio keeps working, only dearer.

        ``recovery``: RED, retransmission and loss reported upstream (docs/architecture.md,
        "Loss recovery"); off only for the benchmark's baseline.

        ``video_fast_send``: viewers' video frames packetised once and sent directly
        (rooms.media.video_send).
        """
        if fast_send:
            try:
                check_fast_send()
            except FastSendError as error:
                logger.warning("audio fast send off, aiortc's sender loop instead: %s", error)
                fast_send = False
        if video_fast_send:
            check_video_send()
        self._configuration = ice.configuration(ice_servers)
        self._loopback = loopback
        self.fast_send = fast_send
        self.recovery = recovery
        self.loss = LossBoard()
        """Listeners' loss per source, reported upstream (rooms.media.loss)."""
        self.video_fast_send = video_fast_send
        self._participants: dict[str, _Participant] = {}
        self._renditions: dict[str, LowBitrateRendition] = {}
        self._red_views: dict[tuple[str, bool, int], RedView] = {}
        self._floor_taps: dict[tuple[str, str], FloorTap] = {}  # (room id, name)
        self._voice_taps: dict[str, tuple[str | None, FloorTap]] = {}  # key -> (peer id, tap)
        self._camera_taps: dict[str, tuple[str | None, VideoTap]] = {}  # key -> (peer id, tap)
        self._audible_order = itertools.count(1)
        self.on_slots: Callable[[str, SlotAssignment], None] | None = None
        """Called after a change with a peer's new slot assignment (the client labels tiles)."""
        # Packets forwarded and dropped by slots of peers already closed (for /metrics).
        self._retired_forwarded = 0
        self._retired_dropped = 0
        self._retired_recovery = RecoveryCounts()

    async def negotiate(self, peer_id: str, offer_sdp: str) -> str:
        """Answer ``offer_sdp``; a peer that already has a connection gets a new one."""
        participant = self._participant(peer_id)
        async with participant.lock:
            peer = ServerPeer(
                peer_id,
                self._configuration,
                participant.fanout.publish,
                loopback=self._loopback,
                fast_send=self.fast_send,
                recovery=self.recovery,
                loss_board=self.loss,
                video_fast_send=self.video_fast_send,
                camera=participant.camera,
                screen=participant.screen,
                on_level=functools.partial(self._heard, participant),
            )
            try:
                answer = await peer.answer(offer_sdp)
            except BaseException:
                await peer.close()
                raise
            old, participant.peer = participant.peer, peer
            participant.slots = None
            for fanout, hooked in (
                (participant.camera, peer.camera_receiver),
                (participant.screen, peer.screen_receiver),
            ):
                fanout.attach(None if hooked is None else hooked.request_keyframe)
            if old is not None:
                self._retire(old)
                await old.close()
                participant.fanout.discontinuity()
            self._touch(participant, was_speaking=False)
            self._reconcile()
            return answer

    def place(self, peer_id: str, room_id: str | None, may_publish: bool) -> None:
        """Put the peer in ``room_id`` (``None``: no room) and say whether its mic reaches it."""
        participant = self._participant(peer_id)
        was_speaking = participant.speaks
        participant.room_id = room_id
        participant.may_publish = may_publish
        self._touch(participant, was_speaking)
        self._reconcile()

    def set_muted(self, peer_id: str, muted: bool) -> None:
        participant = self._participant(peer_id)
        was_speaking = participant.speaks
        participant.muted = muted
        participant.fanout.enabled = not muted
        self._touch(participant, was_speaking)
        self._reconcile()

    def set_channel(self, peer_id: str, source_peer_id: str | None) -> None:
        self._participant(peer_id).channel_source = source_peer_id
        self._reconcile()

    def set_low_data(self, peer_id: str, low_data: bool) -> None:
        """Low-data listeners get every publisher's 9 kbit/s rendition instead of the original."""
        self._participant(peer_id).low_data = low_data
        self._reconcile()

    def set_camera(self, peer_id: str, on: bool) -> None:
        """Whether the peer's camera may be shown (where it may publish, or pinned)."""
        participant = self._participant(peer_id)
        was_speaking = participant.speaks
        participant.camera_on = on
        if not on:
            participant.camera.ended()
        self._touch(participant, was_speaking)
        self._reconcile()

    def set_sharing(self, peer_id: str, on: bool) -> None:
        """Whether the peer's screen fills the share slot of everyone else in its room."""
        participant = self._participant(peer_id)
        if on and participant.sharing_since is None:
            participant.sharing_since = next(self._audible_order)
        elif not on:
            participant.sharing_since = None
            participant.screen.ended()
        self._reconcile()

    def set_pinned(self, peer_id: str, sources: list[str | None]) -> None:
        """Whose camera each pinned video slot shows (missing entries: nothing)."""
        self._participant(peer_id).pinned = tuple(sources)
        self._reconcile()

    def set_floor_tap(self, room_id: str, tap: FloorTap | None, *, name: str = "") -> None:
        """Let ``tap`` hear every microphone on ``room_id``'s floor (None: stop tapping).

        ``name`` tells several taps of one room apart (automatic captions, the relay to edges).
        """
        old = self._floor_taps.pop((room_id, name), None)
        if old is not None and old is not tap:
            old.follow([])
        if tap is not None:
            self._floor_taps[(room_id, name)] = tap
        self._reconcile()

    def set_voice_tap(self, key: str, peer_id: str | None, tap: FloorTap | None) -> None:
        """Let ``tap`` hear ``peer_id``'s microphone, wherever it is placed (None: nobody's).

        ``key`` names the tap (a booth's output, for its automatic captions); a later call
        with the same key moves it to another voice (a handover) or, with ``tap`` None,
        removes it. The tap hears nothing while that peer is muted (a cough) or has no mic.
        """
        old = self._voice_taps.pop(key, None)
        if old is not None and old[1] is not tap:
            old[1].follow([])
        if tap is not None:
            self._voice_taps[key] = (peer_id, tap)
        self._reconcile()

    def set_camera_tap(self, key: str, peer_id: str | None, tap: VideoTap | None) -> None:
        """Let ``tap`` see ``peer_id``'s camera while it is shown, wherever that peer is placed
        (None: nobody's).

        ``key`` names the tap (a sign-language booth's output, for the relay to edges); a
        later call with the same key moves it to another camera (a handover) or, with
        ``tap`` None, removes it.
        """
        old = self._camera_taps.pop(key, None)
        if old is not None and old[1] is not tap:
            old[1].follow_video([])
        if tap is not None:
            self._camera_taps[key] = (peer_id, tap)
        self._reconcile()

    async def close(self, peer_id: str) -> None:
        participant = self._participants.pop(peer_id, None)
        if participant is None:
            return
        self.loss.forget(peer_id)
        participant.fanout.enabled = False
        participant.camera.close()
        participant.screen.close()
        self._reconcile()
        if participant.peer is not None:
            self._retire(participant.peer)
            await participant.peer.close()

    async def aclose(self) -> None:
        peers = [p.peer for p in self._participants.values() if p.peer is not None]
        for participant in self._participants.values():
            participant.camera.close()
            participant.screen.close()
        self._participants.clear()
        self._reconcile()
        self._floor_taps.clear()
        self._voice_taps.clear()
        self._camera_taps.clear()
        await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)

    # Introspection, for the signalling layer's status, metrics and benchmarks.

    def packet_counts(self) -> tuple[int, int]:
        """Packets forwarded to listeners' slots and dropped there, since the router started."""
        forwarded, dropped = self._retired_forwarded, self._retired_dropped
        for participant in self._participants.values():
            if participant.peer is not None:
                for track in participant.peer.slot_tracks():
                    forwarded += track.packets_out
                    dropped += track.dropped
        return forwarded, dropped

    def recovery_counts(self) -> RecoveryCounts:
        """RED and NACK counts since the router started (for /metrics)."""
        total = self._retired_recovery.copy()
        for participant in self._participants.values():
            if participant.peer is not None:
                total.add(participant.peer)
        return total

    def _retire(self, peer: ServerPeer) -> None:
        for track in peer.slot_tracks():
            self._retired_forwarded += track.packets_out
            self._retired_dropped += track.dropped
        self._retired_recovery.add(peer)

    def peer(self, peer_id: str) -> ServerPeer:
        participant = self._participants.get(peer_id)
        if participant is None or participant.peer is None:
            raise UnknownPeerError(peer_id)
        return participant.peer

    def relayed(self, source_id: str) -> Fanout:
        """The Fanout of another node's source, fed by the relay (an edge of a session).

        It is a participant without a peer: ``place`` it on its room's floor, or name it in
        ``set_channel`` (a booth), as a local one; ``close`` forgets it.
        """
        participant = self._participant(source_id)
        if not participant.relayed:
            was_speaking = participant.speaks
            participant.relayed = True
            self._touch(participant, was_speaking)
            self._reconcile()
        return participant.fanout

    def relayed_video(
        self, source_id: str, kind: str, ask: Callable[[], None] | None = None
    ) -> VideoFanout:
        """The camera or screen (``kind``) of another node's source, fed by the relay (an
        edge). ``ask`` sends its keyframe requests upstream, to the origin. Shown as a local
        one is: the camera once ``set_camera`` turns it on, the screen once ``set_sharing``."""
        participant = self._participant(source_id)
        fanout = participant.camera if kind == "camera" else participant.screen
        if kind not in participant.relayed_video:
            participant.relayed_video.add(kind)
            fanout.attach(ask)
            was_speaking = participant.speaks
            self._touch(participant, was_speaking)
            self._reconcile()
        return fanout

    def heard_relayed(self, source_id: str, level: int) -> None:
        """A relayed packet's audio level (an edge): talkers rank on its floor as at the origin."""
        participant = self._participants.get(source_id)
        if participant is not None and participant.relayed:
            self._heard(participant, level)

    def end_relay(self, source_id: str) -> None:
        """The source is no longer fed by the relay: it is heard only if it has a peer here
        (its session moved to this node and it connected here)."""
        participant = self._participants.get(source_id)
        if participant is not None and (participant.relayed or participant.relayed_video):
            was_speaking = participant.speaks
            participant.relayed = False
            for kind in participant.relayed_video:
                fanout = participant.camera if kind == "camera" else participant.screen
                hooked = participant.peer and getattr(participant.peer, f"{kind}_receiver")
                fanout.attach(None if not hooked else hooked.request_keyframe)
            participant.relayed_video.clear()
            self._touch(participant, was_speaking)
            self._reconcile()

    def publisher(self, peer_id: str) -> Fanout:
        participant = self._participants.get(peer_id)
        if participant is None:
            raise UnknownPeerError(peer_id)
        return participant.fanout

    def channel_track(self, peer_id: str) -> ForwardingTrack:
        return self.peer(peer_id).channel

    def floor_sources(self, peer_id: str) -> list[str | None]:
        return [_source_id(track) for track in self.peer(peer_id).floor]

    def camera(self, peer_id: str) -> VideoFanout:
        participant = self._participants.get(peer_id)
        if participant is None:
            raise UnknownPeerError(peer_id)
        return participant.camera

    def screen(self, peer_id: str) -> VideoFanout:
        participant = self._participants.get(peer_id)
        if participant is None:
            raise UnknownPeerError(peer_id)
        return participant.screen

    def talk_starts(self, peer_id: str) -> int:
        """How many times the peer's microphone started talking (rooms.media.voice)."""
        participant = self._participants.get(peer_id)
        return 0 if participant is None else participant.voice.starts

    def slots(self, peer_id: str) -> SlotAssignment | None:
        """What the peer's slots carry (None before its first answer)."""
        participant = self._participants.get(peer_id)
        return None if participant is None else participant.slots

    def _participant(self, peer_id: str) -> _Participant:
        participant = self._participants.get(peer_id)
        if participant is None:
            participant = _Participant(peer_id=peer_id, fanout=Fanout(peer_id))
            self._participants[peer_id] = participant
        return participant

    def _touch(self, participant: _Participant, was_speaking: bool) -> None:
        if participant.speaks and not was_speaking:
            participant.audible_since = next(self._audible_order)

    def _heard(self, participant: _Participant, level: int) -> None:
        """A microphone packet's level: who starts talking moves to the front of the floor."""
        participant.fanout.level = level  # the packet about to be published: for the relay
        if not participant.voice.heard(level, time.monotonic()) or participant.muted:
            return
        if participant.speaks and self._participants.get(participant.peer_id) is participant:
            participant.spoke_since = next(self._audible_order)
            if self._floor_contested(participant.room_id):
                self._reconcile()

    def _floor_contested(self, room_id: str | None) -> bool:
        """Whether someone in the room has fewer floor slots than speakers to choose from.

        Otherwise everyone hears every speaker already, and a new talker changes nothing:
        a plenary of thousands is not reconciled each time its one speaker draws breath.
        """
        room = [p for p in self._participants.values() if p.room_id == room_id]
        speakers = sum(1 for p in room if p.speaks)
        return any(p.peer is not None and speakers - p.speaks > len(p.peer.floor) for p in room)

    def _reconcile(self) -> None:
        speakers: dict[str, list[_Participant]] = {}
        for p in self._participants.values():
            if p.speaks:
                speakers.setdefault(p.room_id or "", []).append(p)
        for room in speakers.values():
            room.sort(key=lambda p: max(p.audible_since, p.spoke_since), reverse=True)

        for listener in self._participants.values():
            peer = listener.peer
            if peer is None:
                continue
            room = speakers.get(listener.room_id or "", []) if listener.room_id else []
            ranked = [s.peer_id for s in room if s is not listener]
            wanted = assign_floor([_source_id(t) for t in peer.floor], ranked)
            for track, source_id in zip(peer.floor, wanted, strict=True):
                track.switch(self._feed(source_id, listener.low_data, track))
            peer.channel.switch(
                self._feed(listener.channel_source, listener.low_data, peer.channel)
            )
            self._reconcile_video(listener, peer, wanted)

        for key, view in list(self._red_views.items()):
            if view.fanout.sink_count == 0 or key[0] not in self._participants:
                view.close()
                del self._red_views[key]
        for (room_id, _), tap in self._floor_taps.items():
            tap.follow([p.fanout for p in speakers.get(room_id, []) if p.has_mic and not p.muted])
            if hasattr(tap, "follow_video"):
                cameras = [p.camera for p in speakers.get(room_id, []) if p.shows_camera]
                sharer = self._participants.get(self._sharer(room_id) or "")
                screen = [sharer.screen] if sharer is not None and sharer.has_screen else []
                tap.follow_video([*cameras, *screen])
        for peer_id, tap in self._voice_taps.values():
            voice = self._participants.get(peer_id) if peer_id is not None else None
            heard = voice is not None and voice.has_mic
            tap.follow([voice.fanout] if heard and voice is not None and not voice.muted else [])
        for peer_id, video_tap in self._camera_taps.values():
            seen = self._participants.get(peer_id) if peer_id is not None else None
            video_tap.follow_video([seen.camera] if seen is not None and seen.shows_camera else [])

        for source_id, rendition in list(self._renditions.items()):
            if rendition.fanout.sink_count == 0 or source_id not in self._participants:
                rendition.close()
                del self._renditions[source_id]

    def _reconcile_video(
        self, listener: _Participant, peer: ServerPeer, floor: list[str | None]
    ) -> None:
        floor_video: list[str | None] = []
        for track, source_id in zip(peer.floor_video, floor, strict=False):
            floor_video.append(self._show(track, listener, source_id, "camera"))
        share = None
        if peer.share is not None:
            sharer = self._sharer(listener.room_id)
            share = self._show(peer.share, listener, sharer, "screen")
        pinned = [
            self._show(track, listener, source_id, "camera")
            for track, source_id in zip(
                peer.pinned, [*listener.pinned, *[None] * len(peer.pinned)], strict=False
            )
        ]
        assignment = SlotAssignment(
            floor=tuple(floor),
            floor_video=tuple(floor_video),
            share=share,
            pinned=tuple(pinned),
        )
        if assignment != listener.slots:
            listener.slots = assignment
            if self.on_slots is not None:
                try:
                    self.on_slots(listener.peer_id, assignment)
                except Exception:
                    logger.exception("slot callback failed")

    def _show(
        self, track: VideoForwardingTrack, listener: _Participant, source_id: str | None, kind: str
    ) -> str | None:
        """Switch a video slot to ``source_id``'s camera or screen, if it may show; its id."""
        source = self._participants.get(source_id) if source_id is not None else None
        visible = (
            source is not None
            and source is not listener
            and not listener.low_data
            and (source.shows_camera if kind == "camera" else source.has_screen)
        )
        if not visible or source is None:
            track.switch(None)
            return None
        track.switch(source.camera if kind == "camera" else source.screen)
        return source.peer_id

    def _sharer(self, room_id: str | None) -> str | None:
        if room_id is None:
            return None
        sharers = [
            p for p in self._participants.values() if p.room_id == room_id and p.sharing_since
        ]
        if not sharers:
            return None
        return max(sharers, key=lambda p: p.sharing_since or 0).peer_id

    def _low_data_loss(self, source_id: str) -> Callable[[], float]:
        """What the worst tenth of ``source_id``'s low-data listeners lose (share)."""
        return lambda: self.loss.worst((source_id, True)) / 256

    def _feed(self, source_id: str | None, low_data: bool, track: ForwardingTrack) -> Fanout | None:
        """What ``track`` carries of ``source_id``: original or rendition, Opus or RED."""
        source = self._participants.get(source_id) if source_id is not None else None
        if source is None or not source.has_mic:
            return None
        fanout = source.fanout
        if low_data:
            rendition = self._renditions.get(source.peer_id)
            if rendition is None:
                rendition = self._renditions[source.peer_id] = LowBitrateRendition(source.fanout)
            fanout = rendition.fanout
        payload_type = track.red_payload_type
        if payload_type is None:
            return fanout
        # Low-data listeners get RED's format without its redundancy: the rendition's
        # own in-band FEC protects them at a fraction of the bytes.
        key = (source.peer_id, low_data, payload_type)
        view = self._red_views.get(key)
        if view is not None and view.source is not fanout:  # a new rendition
            view.close()
            view = None
        if view is None:
            if low_data:
                # Redundancy doubles a voice's payload: for low-data listeners only while
                # they lose packets (libopus codes no in-band FEC at 9 kbit/s).
                loss = self._low_data_loss(source.peer_id)
                view = RedView(fanout, payload_type, 0, protect=loss)
            else:
                view = RedView(fanout, payload_type, DISTANCE)
            self._red_views[key] = view
        return view.fanout


def _source_id(track: ForwardingTrack) -> str | None:
    return None if track.source is None else track.source.source_id
