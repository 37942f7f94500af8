"""Typed JSON messages: the base classes, and validation from JSON to dataclasses."""

from __future__ import annotations

import copy
import dataclasses
import json
import types
import typing
from collections.abc import Iterable
from enum import Enum
from functools import cache
from typing import Any, ClassVar, Literal, TypeVar, Union

from rooms.domain.roles import Role
from rooms.signalling.errors import MalformedMessage, UnknownMessageType


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientMessage:
    """A message a client sends. Subclasses set ``type`` and, if restricted, ``roles``."""

    type: ClassVar[str]
    # None: any participant with a seat may send it; otherwise one of these roles.
    roles: ClassVar[frozenset[Role] | None] = None

    def validate(self) -> None:
        """Check rules beyond the field types; raise MalformedMessage."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerMessage:
    """A message the server sends."""

    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **as_json(self)}


@dataclasses.dataclass(frozen=True)
class Encoded:
    """A server message already in its wire form (compact JSON), sent as it is."""

    type: str
    text: str


_ATOMS = frozenset({str, int, float, bool, type(None)})


def as_json(value: Any) -> Any:
    """``dataclasses.asdict``'s result for a message, built without its deep copies.

    Messages hold JSON values (strings, numbers, booleans, None), lists, tuples, dicts and
    dataclasses; anything else is deep-copied as ``asdict`` does. ``asdict`` costs about
    ten times as much, and a room snapshot is one ``ParticipantView`` per seat.
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    names = _field_names(kind) if dataclasses.is_dataclass(kind) else None
    if names is not None:
        return {name: as_json(getattr(value, name)) for name in names}
    if kind is list:
        return [as_json(item) for item in value]
    if kind is dict:
        return {as_json(k): as_json(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(as_json(item) for item in value)
    return copy.deepcopy(value)


@cache
def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


C = TypeVar("C", bound=type[ClientMessage])
S = TypeVar("S", bound=type[ServerMessage])


class MessageCatalog:
    """The message types a server speaks; other packages add theirs to it."""

    def __init__(
        self,
        client: Iterable[type[ClientMessage]] = (),
        server: Iterable[type[ServerMessage]] = (),
    ) -> None:
        self.client: dict[str, type[ClientMessage]] = {}
        self.server: dict[str, type[ServerMessage]] = {}
        for client_cls in client:
            self.add_client(client_cls)
        for server_cls in server:
            self.add_server(server_cls)

    def add_client(self, cls: C) -> C:
        _check_type_name(cls, self.client)
        self.client[cls.type] = cls
        return cls

    def add_server(self, cls: S) -> S:
        _check_type_name(cls, self.server)
        self.server[cls.type] = cls
        return cls

    def decode(self, text: str) -> ClientMessage:
        """Parse and validate one client message."""
        try:
            data = json.loads(text, parse_constant=_not_json)
        except ValueError:
            raise MalformedMessage("the message is not valid JSON") from None
        except RecursionError:  # thousands of nested brackets
            raise MalformedMessage("the message is nested too deeply") from None
        if not isinstance(data, dict):
            raise MalformedMessage("a message must be a JSON object")
        kind = data.get("type")
        if not isinstance(kind, str):
            raise MalformedMessage('a message needs a "type" string')
        cls = self.client.get(kind)
        if cls is None:
            raise UnknownMessageType(f'unknown message type "{kind[:40]}"')
        fields = {key: value for key, value in data.items() if key != "type"}
        message = from_json(cls, fields, where=f"{kind}.")
        message.validate()
        return message


def _not_json(name: str) -> None:
    # Python reads NaN and Infinity; JSON has neither, and a gain of NaN reaches no one well.
    raise ValueError(f"{name} is not JSON")


def _check_type_name(cls: type[Any], taken: dict[str, Any]) -> None:
    name = getattr(cls, "type", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a type name")
    if name in taken and taken[name] is not cls:
        raise ValueError(f'message type "{name}" is already registered')


T = TypeVar("T")


def from_json(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build dataclass ``cls`` from a JSON object, checking every field's type."""
    hints = _field_hints(cls)  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise MalformedMessage(f"unexpected field {where}{unknown[0]}")
    values: dict[str, Any] = {}
    for name, (hint, required) in hints.items():
        if name in data:
            values[name] = _convert(hint, data[name], where + name)
        elif required:
            raise MalformedMessage(f"missing field {where}{name}")
    return cls(**values)


@cache
def _field_hints(cls: type[Any]) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls)
    return {
        field.name: (
            hints[field.name],
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(cls)
        if field.init
    }


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None:
            if type(None) in args:
                return None
            raise MalformedMessage(f"{where} must not be null")
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _convert(inner, value, where)
    if origin is Literal:
        if value not in args:
            raise MalformedMessage(f"{where} must be one of {', '.join(map(str, args))}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise MalformedMessage(f"{where} must be a list")
        return [_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise MalformedMessage(f"{where} must be an object")
        return {str(k): _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise MalformedMessage(f"{where} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedMessage(f"{where} must be a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MalformedMessage(f"{where} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise MalformedMessage(f"{where} must be a string")
        return value
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in hint)
            raise MalformedMessage(f"{where} must be one of {allowed}") from None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise MalformedMessage(f"{where} must be an object")
        return from_json(hint, value, where=where + ".")
    raise TypeError(f"cannot validate {hint!r} at {where}")
