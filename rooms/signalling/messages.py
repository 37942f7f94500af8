"""Every signalling message of the rooms layer, one class per type.

Client messages are parsed and validated by ``MessageCatalog.decode``; server messages
serialise with ``to_dict``. ``docs/protocol.md`` documents each one (a test checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rooms.domain.breakout import AssignmentMode
from rooms.domain.roles import Role
from rooms.signalling.codec import ClientMessage, MessageCatalog, ServerMessage
from rooms.signalling.errors import MalformedMessage

PROTOCOL_VERSION = 1
MAX_CHAT_CHARS = 2000
MAX_BREAKOUT_ROOMS = 50
MAX_BREAKOUT_SECONDS = 24 * 3600

ORGANISERS = frozenset({Role.ORGANISER})


def _require_text(text: str, what: str, limit: int) -> None:
    if not text.strip():
        raise MalformedMessage(f"{what} must not be empty")
    if len(text) > limit:
        raise MalformedMessage(f"{what} is longer than {limit} characters")


# Connection and heartbeat.


@dataclass(frozen=True, kw_only=True)
class Hello(ClientMessage):
    type = "hello"
    protocol: int
    resume_token: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClientPing(ClientMessage):
    type = "ping"
    nonce: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClientPong(ClientMessage):
    type = "pong"
    nonce: str | None = None


# Rooms and presence.


@dataclass(frozen=True, kw_only=True)
class Join(ClientMessage):
    type = "join"
    room_id: str


@dataclass(frozen=True, kw_only=True)
class Leave(ClientMessage):
    type = "leave"


@dataclass(frozen=True, kw_only=True)
class RaiseHand(ClientMessage):
    type = "raise_hand"


@dataclass(frozen=True, kw_only=True)
class LowerHand(ClientMessage):
    type = "lower_hand"
    seat_id: str | None = None  # someone else's hand: organisers only


@dataclass(frozen=True, kw_only=True)
class Chat(ClientMessage):
    type = "chat"
    text: str

    def validate(self) -> None:
        _require_text(self.text, "a chat message", MAX_CHAT_CHARS)


@dataclass(frozen=True, kw_only=True)
class MuteSelf(ClientMessage):
    type = "mute_self"
    muted: bool


# Organiser actions.


@dataclass(frozen=True, kw_only=True)
class Mute(ClientMessage):
    type = "mute"
    roles = ORGANISERS
    seat_id: str


@dataclass(frozen=True, kw_only=True)
class AskUnmute(ClientMessage):
    """A participant an organiser muted asks to speak again."""

    type = "ask_unmute"


@dataclass(frozen=True, kw_only=True)
class AllowUnmute(ClientMessage):
    """An organiser lifts their mute: the participant may unmute themselves again."""

    type = "allow_unmute"
    roles = ORGANISERS
    seat_id: str


@dataclass(frozen=True, kw_only=True)
class Move(ClientMessage):
    type = "move"
    roles = ORGANISERS
    seat_id: str
    room_id: str


@dataclass(frozen=True, kw_only=True)
class GiveFloor(ClientMessage):
    type = "give_floor"
    roles = ORGANISERS
    seat_id: str


@dataclass(frozen=True, kw_only=True)
class TakeFloor(ClientMessage):
    type = "take_floor"
    roles = ORGANISERS
    seat_id: str


# Breakouts.


@dataclass(frozen=True, kw_only=True)
class BreakoutRoomSpec:
    title: str
    seats: list[str] = field(default_factory=list)  # by_hand only
    # by_hand only: people (person ids) to send there if they are in the main room; this is
    # how a breakout plan made before the session, when nobody had a seat yet, is applied.
    people: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class BreakoutOpen(ClientMessage):
    type = "breakout_open"
    roles = ORGANISERS
    mode: AssignmentMode
    rooms: list[BreakoutRoomSpec]
    duration_s: int | None = None

    def validate(self) -> None:
        if not 1 <= len(self.rooms) <= MAX_BREAKOUT_ROOMS:
            raise MalformedMessage(f"a breakout has between 1 and {MAX_BREAKOUT_ROOMS} rooms")
        for spec in self.rooms:
            _require_text(spec.title, "a room title", 120)
            if (spec.seats or spec.people) and self.mode is not AssignmentMode.BY_HAND:
                raise MalformedMessage("seats and people are listed only when assigning by hand")
        if self.duration_s is not None and not 1 <= self.duration_s <= MAX_BREAKOUT_SECONDS:
            raise MalformedMessage("duration_s must be between 1 second and 24 hours")


@dataclass(frozen=True, kw_only=True)
class BreakoutChoose(ClientMessage):
    type = "breakout_choose"
    room_id: str


@dataclass(frozen=True, kw_only=True)
class BreakoutCountdown(ClientMessage):
    type = "breakout_countdown"
    roles = ORGANISERS
    seconds: int

    def validate(self) -> None:
        if not 1 <= self.seconds <= MAX_BREAKOUT_SECONDS:
            raise MalformedMessage("seconds must be between 1 and 86400")


@dataclass(frozen=True, kw_only=True)
class BreakoutBroadcast(ClientMessage):
    type = "breakout_broadcast"
    roles = ORGANISERS
    text: str

    def validate(self) -> None:
        _require_text(self.text, "a broadcast", MAX_CHAT_CHARS)


@dataclass(frozen=True, kw_only=True)
class BreakoutClose(ClientMessage):
    type = "breakout_close"
    roles = ORGANISERS


@dataclass(frozen=True, kw_only=True)
class HelpRequest(ClientMessage):
    type = "help_request"
    text: str = ""

    def validate(self) -> None:
        if len(self.text) > MAX_CHAT_CHARS:
            raise MalformedMessage(f"a help request is longer than {MAX_CHAT_CHARS} characters")


@dataclass(frozen=True, kw_only=True)
class HelpListRequest(ClientMessage):
    type = "help_list"
    roles = ORGANISERS


@dataclass(frozen=True, kw_only=True)
class HelpResolve(ClientMessage):
    type = "help_resolve"
    roles = ORGANISERS
    request_id: str


# Video.


@dataclass(frozen=True, kw_only=True)
class Camera(ClientMessage):
    type = "camera"
    on: bool


@dataclass(frozen=True, kw_only=True)
class Share(ClientMessage):
    type = "share"
    on: bool


@dataclass(frozen=True, kw_only=True)
class StopShare(ClientMessage):
    type = "stop_share"
    roles = ORGANISERS
    seat_id: str


# Media negotiation.


@dataclass(frozen=True, kw_only=True)
class Offer(ClientMessage):
    type = "offer"
    sdp: str

    def validate(self) -> None:
        if not self.sdp.startswith("v=0"):
            raise MalformedMessage("sdp must be an SDP offer starting with v=0")


# Views shared by server messages.


@dataclass(frozen=True, kw_only=True)
class ParticipantView:
    seat_id: str
    display_name: str
    roles: list[str]
    state: str
    hand_raised: bool
    muted: bool
    has_floor: bool
    may_publish: bool
    mute_held: bool = False  # an organiser muted them; only an organiser lifts it
    unmute_asked: bool = False  # they asked the organisers to lift it
    camera: bool = False
    sharing: bool = False


@dataclass(frozen=True, kw_only=True)
class RoomView:
    room_id: str
    kind: str
    title: str
    parent_id: str | None


@dataclass(frozen=True, kw_only=True)
class BreakoutRoomView:
    room_id: str
    title: str


@dataclass(frozen=True, kw_only=True)
class BreakoutView:
    breakout_id: str
    main_room_id: str
    mode: str
    state: str
    ends_at: float | None
    rooms: list[BreakoutRoomView]


@dataclass(frozen=True, kw_only=True)
class HelpView:
    request_id: str
    seat_id: str
    display_name: str
    room_id: str
    room_title: str
    text: str
    at: float


# Server messages.


@dataclass(frozen=True, kw_only=True)
class Welcome(ServerMessage):
    type = "welcome"
    protocol: int
    seat_id: str
    resume_token: str
    resumed: bool
    heartbeat_interval_s: float
    reconnect_grace_s: float
    max_message_bytes: int
    you: ParticipantView
    # Whether the server still holds this seat's media connection (False after a restart:
    # the client must offer again even if its own connection still looks alive).
    media_resumed: bool = False


@dataclass(frozen=True, kw_only=True)
class ServerPing(ServerMessage):
    type = "ping"
    nonce: str


@dataclass(frozen=True, kw_only=True)
class ServerPong(ServerMessage):
    type = "pong"
    nonce: str | None


@dataclass(frozen=True, kw_only=True)
class RoomSnapshot(ServerMessage):
    type = "room_snapshot"
    reason: str
    room: RoomView
    you: ParticipantView
    participants: list[ParticipantView]
    breakout: BreakoutView | None


@dataclass(frozen=True, kw_only=True)
class RoomLeft(ServerMessage):
    type = "room_left"
    room_id: str | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class PresenceJoined(ServerMessage):
    type = "presence_joined"
    room_id: str
    participant: ParticipantView


@dataclass(frozen=True, kw_only=True)
class PresenceUpdated(ServerMessage):
    type = "presence_updated"
    room_id: str
    participant: ParticipantView


@dataclass(frozen=True, kw_only=True)
class PresenceLeft(ServerMessage):
    type = "presence_left"
    room_id: str
    seat_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PresenceBatch(ServerMessage):
    """Presence events of a large room, coalesced over a short window, in order."""

    type = "presence_batch"
    room_id: str
    events: list[dict[str, Any]]  # presence_joined, presence_updated, presence_left


@dataclass(frozen=True, kw_only=True)
class ListenOnly(ServerMessage):
    """A large session's listen-only seats on all its nodes: one count, sent when it changes."""

    type = "listen_only"
    room_id: str
    count: int


@dataclass(frozen=True, kw_only=True)
class ChatMessage(ServerMessage):
    type = "chat_message"
    room_id: str
    seat_id: str
    display_name: str
    text: str
    at: float


@dataclass(frozen=True, kw_only=True)
class BreakoutsOpened(ServerMessage):
    type = "breakouts_opened"
    breakout: BreakoutView


@dataclass(frozen=True, kw_only=True)
class BreakoutsCountdown(ServerMessage):
    type = "breakouts_countdown"
    breakout_id: str
    ends_at: float


@dataclass(frozen=True, kw_only=True)
class BreakoutsClosed(ServerMessage):
    type = "breakouts_closed"
    breakout_id: str
    main_room_id: str


@dataclass(frozen=True, kw_only=True)
class Broadcast(ServerMessage):
    type = "broadcast"
    breakout_id: str
    from_name: str
    text: str
    at: float


@dataclass(frozen=True, kw_only=True)
class HelpRequested(ServerMessage):
    type = "help_requested"
    request: HelpView


@dataclass(frozen=True, kw_only=True)
class HelpList(ServerMessage):
    type = "help_list"
    requests: list[HelpView]


@dataclass(frozen=True, kw_only=True)
class HelpResolved(ServerMessage):
    type = "help_resolved"
    request_id: str


@dataclass(frozen=True, kw_only=True)
class Answer(ServerMessage):
    type = "answer"
    sdp: str


@dataclass(frozen=True, kw_only=True)
class Slots(ServerMessage):
    type = "slots"
    floor: list[str | None]  # seat heard on each floor slot
    floor_video: list[str | None]  # seat seen on each floor video slot
    share: str | None  # seat whose screen the share slot shows
    pinned: list[str | None]  # seat seen on each pinned slot


@dataclass(frozen=True, kw_only=True)
class Redirect(ServerMessage):
    """Another node owns this session (several nodes): go to its page; sent, then close 4010."""

    type = "redirect"
    url: str  # the same page on the owning node
    ws_url: str  # the owning node's websocket, for clients without pages


@dataclass(frozen=True, kw_only=True)
class ShareStopped(ServerMessage):
    """Told to a sharer whose share someone else ended (not sent when they stop it themselves)."""

    type = "share_stopped"
    reason: str  # organiser, replaced, not_presenter (SHARE_STOPPED_REASONS)


SHARE_STOPPED_REASONS = ("organiser", "replaced", "not_presenter")


@dataclass(frozen=True, kw_only=True)
class Error(ServerMessage):
    type = "error"
    code: str
    message: str
    about: str | None = None  # the type of the message it answers, when known


CLIENT_MESSAGES: tuple[type[ClientMessage], ...] = (
    Hello,
    ClientPing,
    ClientPong,
    Join,
    Leave,
    RaiseHand,
    LowerHand,
    Chat,
    MuteSelf,
    Mute,
    AskUnmute,
    AllowUnmute,
    Move,
    GiveFloor,
    TakeFloor,
    BreakoutOpen,
    BreakoutChoose,
    BreakoutCountdown,
    BreakoutBroadcast,
    BreakoutClose,
    HelpRequest,
    HelpListRequest,
    HelpResolve,
    Camera,
    Share,
    StopShare,
    Offer,
)

SERVER_MESSAGES: tuple[type[ServerMessage], ...] = (
    Welcome,
    ServerPing,
    ServerPong,
    RoomSnapshot,
    RoomLeft,
    PresenceJoined,
    PresenceUpdated,
    PresenceLeft,
    PresenceBatch,
    ListenOnly,
    ChatMessage,
    BreakoutsOpened,
    BreakoutsCountdown,
    BreakoutsClosed,
    Broadcast,
    HelpRequested,
    HelpList,
    HelpResolved,
    Answer,
    Slots,
    Redirect,
    ShareStopped,
    Error,
)


def rooms_catalog() -> MessageCatalog:
    """A fresh catalog holding the rooms messages; extensions add theirs to it."""
    return MessageCatalog(CLIENT_MESSAGES, SERVER_MESSAGES)
