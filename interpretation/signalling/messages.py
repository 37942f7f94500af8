"""The interpretation extension's messages, one class per type (docs/protocol.md documents them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rooms.domain.roles import Role
from rooms.signalling import ClientMessage, ServerMessage
from rooms.signalling.errors import MalformedMessage

ORGANISERS = frozenset({Role.ORGANISER})
MAX_CHAT_CHARS = 2000
MAX_MEMBERS = 8

HandoverAction = Literal["request", "offer", "accept", "decline", "cancel"]
FeedState = Literal["good", "unstable", "poor", "none"]
FEED_REASONS = frozenset({"loss", "jitter", "delay"})


# Listeners.


@dataclass(frozen=True, kw_only=True)
class ListChannels(ClientMessage):
    type = "list_channels"


@dataclass(frozen=True, kw_only=True)
class SelectLanguage(ClientMessage):
    type = "select_language"
    language: str
    balance: float = 0.85

    def validate(self) -> None:
        if not 0.0 <= self.balance <= 1.0:
            raise MalformedMessage("balance runs from 0 (floor only) to 1 (interpreter only)")


@dataclass(frozen=True, kw_only=True)
class SelectSignLanguage(ClientMessage):
    """The sign-language channel a viewer watches (``None``: none), apart from what they hear."""

    type = "select_sign_language"
    language: str | None


# The interpreter's console.


@dataclass(frozen=True, kw_only=True)
class BoothEnter(ClientMessage):
    type = "booth_enter"
    room_id: str


@dataclass(frozen=True, kw_only=True)
class OnAir(ClientMessage):
    type = "on_air"
    on: bool


@dataclass(frozen=True, kw_only=True)
class Handover(ClientMessage):
    type = "handover"
    action: HandoverAction


@dataclass(frozen=True, kw_only=True)
class TakeOver(ClientMessage):
    type = "take_over"


@dataclass(frozen=True, kw_only=True)
class Cough(ClientMessage):
    type = "cough"
    coughing: bool


@dataclass(frozen=True, kw_only=True)
class Retour(ClientMessage):
    type = "retour"


@dataclass(frozen=True, kw_only=True)
class BoothSource(ClientMessage):
    type = "booth_source"
    source: str


@dataclass(frozen=True, kw_only=True)
class BoothChat(ClientMessage):
    type = "booth_chat"
    text: str

    def validate(self) -> None:
        if not self.text.strip():
            raise MalformedMessage("a booth chat message must not be empty")
        if len(self.text) > MAX_CHAT_CHARS:
            raise MalformedMessage(f"a booth chat message is longer than {MAX_CHAT_CHARS}")


@dataclass(frozen=True, kw_only=True)
class SlowDown(ClientMessage):
    type = "slow_down"


# Organisers.


@dataclass(frozen=True, kw_only=True)
class BoothOpen(ClientMessage):
    type = "booth_open"
    roles = ORGANISERS
    room_id: str
    languages: list[str]
    members: list[str]  # person ids

    def validate(self) -> None:
        if not 1 <= len(self.languages) <= 2:
            raise MalformedMessage("a booth works into one language, or two when bi-active")
        if len(self.members) > MAX_MEMBERS:
            raise MalformedMessage(f"a booth has at most {MAX_MEMBERS} members")


@dataclass(frozen=True, kw_only=True)
class BoardWatch(ClientMessage):
    type = "board_watch"
    roles = ORGANISERS
    room_id: str


@dataclass(frozen=True, kw_only=True)
class FeedHealth(ClientMessage):
    """The console's reading of its floor feed (static/js/protocol/feedhealth.js), for the board."""

    type = "feed_health"
    state: FeedState
    reasons: list[str]
    loss_pct: float
    jitter_ms: float
    delay_ms: float

    def validate(self) -> None:
        if self.state not in ("good", "unstable", "poor", "none"):
            raise MalformedMessage("state is one of good, unstable, poor, none")
        if not isinstance(self.reasons, list) or not set(self.reasons) <= FEED_REASONS:
            raise MalformedMessage("reasons lists some of loss, jitter, delay")
        for name, top in (("loss_pct", 100.0), ("jitter_ms", 60_000.0), ("delay_ms", 60_000.0)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= top
            ):
                raise MalformedMessage(f"{name} is a number from 0 to {top:g}")


# Server messages.


@dataclass(frozen=True, kw_only=True)
class ChannelView:
    language: str  # "original" for the floor
    name: str  # in the language itself
    booth: str | None
    active: bool  # False: a bi-active booth works into its other language just now
    sign: bool = False  # a sign-language channel: watched in a pinned video slot, not heard


@dataclass(frozen=True, kw_only=True)
class Channels(ServerMessage):
    type = "channels"
    room_id: str
    channels: list[ChannelView]
    # In the answer to list_channels: the language this seat chose (kept by the server, so a
    # page on another node after a failover finds it); null otherwise.
    chosen: str | None = None


@dataclass(frozen=True, kw_only=True)
class SignLanguageSet(ServerMessage):
    """The viewer's sign-language channel now; its pinned video slot shows the signer on air."""

    type = "sign_language"
    language: str | None


@dataclass(frozen=True, kw_only=True)
class MixSet(ServerMessage):
    type = "mix"
    language: str
    balance: float
    floor: float
    interpreter: float
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class MemberView:
    person_id: str
    name: str
    connected: bool


@dataclass(frozen=True, kw_only=True)
class TurnView:
    current: str | None
    next: str | None
    handover_at: float | None  # Unix seconds
    seconds_to_handover: float | None


@dataclass(frozen=True, kw_only=True)
class PendingView:
    kind: str  # "request" or "offer"
    by: str
    to: str | None


@dataclass(frozen=True, kw_only=True)
class BoothState(ServerMessage):
    type = "booth_state"
    room_id: str
    room_title: str
    booth: str
    languages: list[str]
    output_language: str
    source: str
    sources: list[str]  # what the source selector offers
    live_sources: list[str]  # the sources with a voice going out now (a relay booth on air)
    state: str
    on_air: str | None
    coughing: bool
    pending: PendingView | None
    members: list[MemberView]
    you: str
    turn: TurnView | None
    floor_up: str | None  # why the booth's listeners hear the floor at full level
    signs: bool = False  # a sign-language booth: its output is the interpreter's camera


@dataclass(frozen=True, kw_only=True)
class BoothChatMessage(ServerMessage):
    type = "booth_chat_message"
    booth: str
    person_id: str
    name: str
    text: str
    at: float


@dataclass(frozen=True, kw_only=True)
class SlowDownRequested(ServerMessage):
    type = "slow_down_requested"
    room_id: str
    booth: str
    at: float


@dataclass(frozen=True, kw_only=True)
class Board(ServerMessage):
    type = "board"
    room_id: str
    room_title: str
    floor_speaking: bool
    channels: list[dict[str, Any]]
    listeners: dict[str, int]
    relays: list[dict[str, str]]
    problems: list[dict[str, Any]]
    feeds: list[dict[str, Any]] = field(default_factory=list)  # each booth member's floor feed


CLIENT = (
    ListChannels,
    SelectLanguage,
    SelectSignLanguage,
    BoothEnter,
    OnAir,
    Handover,
    TakeOver,
    Cough,
    Retour,
    BoothSource,
    BoothChat,
    SlowDown,
    BoothOpen,
    BoardWatch,
    FeedHealth,
)
# Booth messages carry no ``roles``: the extension checks the role and the booth itself,
# so that every refusal is logged.
BOOTH_TYPES = frozenset(
    {"booth_enter", "on_air", "handover", "take_over", "cough", "retour", "booth_source",
     "booth_chat", "slow_down", "feed_health"}
)  # fmt: skip
SERVER = (Channels, SignLanguageSet, MixSet, BoothState, BoothChatMessage, SlowDownRequested, Board)
