"""What a registrant tells us, cleaned field by field (the form and the CSV import share it)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from . import fields
from .fields import Errors

LANGUAGE_SLOTS = 5


@dataclass(frozen=True)
class DataNeed:
    country: str
    carrier: str
    gb: float


@dataclass(frozen=True)
class ChildcareNeed:
    children: int
    sessions: tuple[int, ...]


@dataclass(frozen=True)
class RegistrationData:
    name: str
    email: str
    timezone: str
    languages: tuple[str, ...]
    sessions: tuple[int, ...]
    data: DataNeed | None = None
    childcare: ChildcareNeed | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Form:
    """Read a submitted form whether it came from Starlette's FormData or a CSV row."""

    def __init__(
        self,
        get: Callable[[str], str | None],
        get_list: Callable[[str], Sequence[str]],
    ) -> None:
        self.get = get
        self.get_list = get_list

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | Sequence[str]]) -> Form:
        def get(key: str) -> str | None:
            value = values.get(key)
            if value is None or isinstance(value, str):
                return value
            return value[0] if value else None

        def get_list(key: str) -> Sequence[str]:
            value = values.get(key)
            if value is None:
                return []
            return [value] if isinstance(value, str) else list(value)

        return cls(get, get_list)


def _ids(values: Sequence[str], known: Collection[int]) -> tuple[int, ...]:
    result = []
    for raw in values:
        try:
            ident = int(raw)
        except ValueError:
            raise fields.FieldError(
                "%(value)s is not a session of this conference.", value=raw[:20]
            ) from None
        if ident not in known:
            raise fields.FieldError("%(value)s is not a session of this conference.", value=ident)
        if ident not in result:
            result.append(ident)
    return tuple(result)


def clean(form: Form, session_ids: Collection[int]) -> tuple[RegistrationData | None, Errors]:
    """Validate a registration; return the data, or None and one message per bad field."""
    errors = Errors()
    name = errors.run("name", fields.name, form.get("name"))
    email = errors.run("email", fields.email, form.get("email"))
    timezone = errors.run("timezone", fields.timezone, form.get("timezone"))
    typed = [form.get(f"language_{i}") or "" for i in range(1, LANGUAGE_SLOTS + 1)]
    typed += list(form.get_list("languages"))
    langs = errors.run("languages", fields.language_list, typed)
    sessions = errors.run("sessions", _ids, form.get_list("sessions"), session_ids)

    data = None
    if form.get("need_data"):
        country = errors.run("data_country", fields.country, form.get("data_country"))
        carrier = errors.run("data_carrier", fields.carrier, form.get("data_carrier"))
        gb = errors.run("data_gb", fields.gigabytes, form.get("data_gb"))
        if country and carrier and gb:
            data = DataNeed(country, carrier, gb)

    childcare = None
    if form.get("need_childcare"):
        children = errors.run(
            "childcare_children",
            fields.whole_number,
            form.get("childcare_children"),
            minimum=1,
            maximum=fields.MAX_CHILDREN,
        )
        care_sessions = errors.run(
            "childcare_sessions", _ids, form.get_list("childcare_sessions"), session_ids
        )
        if care_sessions == ():
            errors.setdefault(
                "childcare_sessions", fields.Message("Choose the sessions that need childcare.")
            )
        if children and care_sessions:
            childcare = ChildcareNeed(children, care_sessions)

    if errors or name is None or email is None or timezone is None or langs is None:
        return None, errors
    return (
        RegistrationData(
            name=name,
            email=email,
            timezone=timezone,
            languages=tuple(langs),
            sessions=sessions or (),
            data=data,
            childcare=childcare,
        ),
        errors,
    )
