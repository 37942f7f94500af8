"""Pictures of plans, drawn on the server as SVG: no JavaScript, every text escaped.

Each function is pure: planner documents (docs/planning.md, "The JSON contract") and names in, one
``<svg>`` out, with a ``<title>`` and an ``aria-label`` for screen readers. The drawings use a
``viewBox`` and ``width="100%"``, so they scale to the page; the page wraps the wide roster
timeline in a box that scrolls sideways on a phone instead of shrinking its text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from ..domain import timezones

Gettext = Callable[..., str]

SVG_NS = "http://www.w3.org/2000/svg"
# Light fills that keep dark text readable; consecutive interpreters get different ones.
TURN_FILLS = ("#cfe3f7", "#fde2b8", "#d5ecd4", "#ecd5ec", "#f7d4d4", "#e3e3c6")
SERVED, UNSERVED = "#2f7d4a", "#e07b24"
GRANTED, PLANNED, REMAINING = "#2b5c8a", "#8fb5dc", "#ffffff"
CHAR_WIDTH = 6.2  # average width of one character at font-size 11, in viewBox units


def plain(message: str, **values: object) -> str:
    """Gettext for callers without a language: the message itself."""
    return message % values if values else message


def _attrs(attrs: Mapping[str, object]) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None
    )


def el(tag: str, *children: str, **attrs: object) -> str:
    """One element; ``children`` are markup already, so only pass what ``el`` or ``text`` made."""
    return f"<{tag}{_attrs(attrs)}>{''.join(children)}</{tag}>"


def text(value: object, **attrs: object) -> str:
    return el("text", str(escape(str(value))), **attrs)


def title(value: object) -> str:
    return el("title", str(escape(str(value))))


def _svg(width: float, height: float, label: str, heading: str, body: Iterable[str]) -> Markup:
    return Markup(  # noqa: S704 - every text and attribute above went through escape()
        el(
            "svg",
            title(heading),
            *body,
            xmlns=SVG_NS,
            viewBox=f"0 0 {width:g} {height:g}",
            width="100%",
            preserveAspectRatio="xMinYMin meet",
            role="img",
            aria_label=label,
            font_size="11",
        )
    )


def fit(value: str, width: float) -> str:
    """``value`` cut to what fits in ``width`` units, with an ellipsis when cut."""
    room = int(width // CHAR_WIDTH)
    if len(value) <= room:
        return value
    return value[: room - 1] + "…" if room >= 2 else ""


def _short(name: str, width: float) -> str:
    """A name that fits: whole, else its first word, else cut."""
    if fit(name, width) == name:
        return name
    first = name.split()[0] if name.split() else name
    return fit(first, width)


def money(cents: int) -> str:
    """An amount to the cent: ``3550`` → ``35.50``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- (a) the roster as a timeline per booth -------------------------------------------------

WIDTH = 720
LABEL = 150
RIGHT = 24
ROW = 22
BAR = 16


def relay_languages(sources: Mapping[str, str]) -> list[str]:
    """The pivot languages a booth takes its source from (``relay:fr`` → ``fr``)."""
    return list(
        dict.fromkeys(s.split(":", 1)[1] for s in sources.values() if s.startswith("relay:"))
    )


def roster_timeline(
    result: Mapping[str, Any],
    sessions: Mapping[str, str],
    names: Mapping[str, str],
    zone: str = "UTC",
    _: Gettext = plain,
) -> Markup:
    """One row per booth (session × language), a bar per turn named after its interpreter.

    ``sessions`` maps session ids to titles and ``names`` interpreter ids to names; times are
    shown in ``zone``. Days are drawn one under the other, each with its own hour scale.
    """
    booths = list(result.get("booths", []))
    by_day: dict[date, dict[str, list[Mapping[str, Any]]]] = {}
    span: dict[str, tuple[datetime, datetime]] = {}
    for booth in booths:
        turns = booth.get("turns") or []
        if not turns:
            continue
        start = min(_moment(t["start"]) for t in turns)
        end = max(_moment(t["end"]) for t in turns)
        session = str(booth["session"])
        old = span.get(session)
        span[session] = (min(start, old[0]), max(end, old[1])) if old else (start, end)
    for booth in booths:
        session = str(booth["session"])
        if session in span:
            day = timezones.local(span[session][0], zone).date()
            by_day.setdefault(day, {}).setdefault(session, []).append(booth)
    fills: dict[str, str] = {}
    palette = itertools.cycle(TURN_FILLS)
    body: list[str] = []
    y = 0.0
    plot = WIDTH - LABEL - RIGHT
    for day in sorted(by_day):
        day_sessions = sorted(by_day[day], key=lambda s: (span[s][0], s))
        first = timezones.local(min(span[s][0] for s in day_sessions), zone)
        last = timezones.local(max(span[s][1] for s in day_sessions), zone)
        origin = first.replace(minute=0, second=0, microsecond=0)
        finish = last.replace(minute=0, second=0, microsecond=0)
        if finish < last:
            finish += timedelta(hours=1)
        minutes = max((finish - origin).total_seconds() / 60, 60)

        def x(moment: datetime, origin: datetime = origin, minutes: float = minutes) -> float:
            local = timezones.local(moment, zone)
            return round(LABEL + plot * (local - origin).total_seconds() / 60 / minutes, 1)

        rows = sum(1 + len(by_day[day][s]) for s in day_sessions)
        top = y + 34
        bottom = top + rows * ROW
        day_parts = [text(day.isoformat(), x=4, y=y + 14, font_weight="bold", font_size="12")]
        hour = origin
        while hour <= finish:
            hx = x(hour)
            day_parts.append(
                el("line", x1=hx, y1=top - 4, x2=hx, y2=bottom, stroke="#d0d0d0", stroke_width=1)
            )
            day_parts.append(text(hour.strftime("%H:%M"), x=hx, y=top - 8, text_anchor="middle"))
            hour += timedelta(hours=1)
        y = top
        for session in day_sessions:
            session_title = sessions.get(session, session)
            day_parts.append(text(fit(session_title, WIDTH - 8), x=4, y=y + 15, font_weight="bold"))
            y += ROW
            for booth in by_day[day][session]:
                day_parts.append(
                    _booth_row(booth, session_title, names, fills, palette, x, y, zone, _)
                )
                y += ROW
        body.append(el("g", *day_parts, class_="day", data_day=day.isoformat()))
        y += 10
    if not body:
        body.append(text(_("No booth is open in this plan."), x=4, y=18))
        y = 28
    label = _(
        "Interpreter roster: %(booths)d booths in %(sessions)d sessions",
        booths=len(booths),
        sessions=len(span),
    )
    return _svg(WIDTH, max(y, 28), label, _("Interpreter roster by booth"), body)


def _booth_row(
    booth: Mapping[str, Any],
    session_title: str,
    names: Mapping[str, str],
    fills: dict[str, str],
    palette: Iterable[str],
    x: Callable[[datetime], float],
    y: float,
    zone: str,
    _: Gettext,
) -> str:
    language = str(booth["language"])
    relays = relay_languages(booth.get("sources") or {})
    label = language
    if relays:
        label += " · " + _("relay via %(languages)s", languages=", ".join(relays))
    parts = [
        title(_("%(session)s, booth %(booth)s", session=session_title, booth=label)),
        text(fit(label, LABEL - 12), x=12, y=y + 15, class_="booth-label",
             font_style="italic" if relays else None),
    ]  # fmt: skip
    for turn in booth.get("turns") or []:
        interpreter = str(turn["interpreter"])
        name = names.get(interpreter, interpreter)
        if interpreter not in fills:
            fills[interpreter] = next(iter(palette))
        start, end = _moment(turn["start"]), _moment(turn["end"])
        x1, x2 = x(start), x(end)
        width = max(x2 - x1 - 1, 1)
        parts.append(
            el(
                "g",
                title(
                    _(
                        "%(name)s, %(start)s–%(end)s",
                        name=name,
                        start=timezones.local(start, zone).strftime("%H:%M"),
                        end=timezones.local(end, zone).strftime("%H:%M"),
                    )
                ),
                el("rect", x=x1, y=y + 3, width=round(width, 1), height=BAR, rx=2,
                   fill=fills[interpreter], stroke="#5b6b7b", stroke_width=0.5,
                   stroke_dasharray="3 2" if relays else None),
                text(_short(name, width - 4), x=x1 + 3, y=y + 15, class_="turn-name"),
                class_="turn",
                data_interpreter=interpreter,
                data_name=name,
            )
        )  # fmt: skip
    return el(
        "g",
        *parts,
        class_="booth relay" if relays else "booth",
        data_session=str(booth["session"]),
        data_language=language,
        data_relay=",".join(relays) or None,
    )


# -- (b) language demand per session --------------------------------------------------------

NARROW = 560


@dataclass(frozen=True)
class Demand:
    session: str
    title: str
    served: int
    unserved: int
    unserved_languages: tuple[str, ...]


def demand_by_session(
    document: Mapping[str, Any], result: Mapping[str, Any], sessions: Mapping[str, str]
) -> list[Demand]:
    """Served and unserved listeners per session of a roster input and its result."""
    total: dict[str, int] = {str(s["id"]): 0 for s in document.get("sessions", [])}
    for group in document.get("demand", []):
        key = str(group["session"])
        total[key] = total.get(key, 0) + int(group["listeners"])
    unserved: dict[str, int] = {}
    languages: dict[str, dict[str, None]] = {}
    for group in result.get("unserved", []):
        key = str(group["session"])
        unserved[key] = unserved.get(key, 0) + int(group["listeners"])
        languages.setdefault(key, {}).update(dict.fromkeys(group["languages"]))
    return [
        Demand(
            session=key,
            title=sessions.get(key, key),
            served=max(count - unserved.get(key, 0), 0),
            unserved=unserved.get(key, 0),
            unserved_languages=tuple(languages.get(key, {})),
        )
        for key, count in total.items()
    ]


def demand_bars(rows: list[Demand], _: Gettext = plain) -> Markup:
    """A stacked bar per session: listeners served, and unserved with their languages."""
    most = max((r.served + r.unserved for r in rows), default=0) or 1
    scale = (NARROW - 8 - 170) / most
    body: list[str] = []
    y = 0.0
    for row in rows:
        served_w = round(row.served * scale, 1)
        unserved_w = round(row.unserved * scale, 1)
        figures = _("%(served)d served · %(unserved)d unserved", served=row.served,
                    unserved=row.unserved)  # fmt: skip
        parts = [
            title(f"{row.title}: {figures}"),
            text(fit(row.title, NARROW - 8), x=4, y=y + 13, font_weight="bold"),
            el("rect", x=4, y=y + 18, width=served_w, height=14, fill=SERVED, class_="served",
               data_listeners=row.served),
            el("rect", x=4 + served_w, y=y + 18, width=unserved_w, height=14, fill=UNSERVED,
               class_="unserved", data_listeners=row.unserved),
            text(figures, x=8 + served_w + unserved_w, y=y + 29, class_="figures"),
        ]  # fmt: skip
        height = 38
        if row.unserved_languages:
            parts.append(
                text(
                    _("Unserved: %(languages)s", languages=", ".join(row.unserved_languages)),
                    x=4,
                    y=y + 46,
                    class_="unserved-languages",
                    fill="#8a4a10",
                )
            )
            height = 54
        body.append(el("g", *parts, class_="session", data_session=row.session))
        y += height
    if not rows:
        body.append(text(_("No session is planned."), x=4, y=18))
        y = 28
    served = sum(r.served for r in rows)
    unserved = sum(r.unserved for r in rows)
    label = _(
        "Language demand: %(served)d listeners served and %(unserved)d unserved "
        "in %(sessions)d sessions",
        served=served,
        unserved=unserved,
        sessions=len(rows),
    )
    return _svg(NARROW, y + 4, label, _("Language demand per session"), body)


# -- (c) the support budgets ----------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """One support budget, in cents: what was granted already and what a plan would add."""

    kind: str
    name: str
    budget: int
    granted: int
    planned: int = 0

    @property
    def remaining(self) -> int:
        return self.budget - self.granted - self.planned


def budget_bars(
    pools: list[Pool], _: Gettext = plain, money: Callable[[int], str] = money
) -> Markup:
    """A bar per pool: granted, planned and remaining, with each amount to the cent."""
    body: list[str] = []
    described: list[str] = []
    y = 0.0
    inner = NARROW - 8
    for pool in pools:
        whole = max(pool.budget, pool.granted + pool.planned, 1)
        granted_w = round(inner * pool.granted / whole, 1)
        planned_w = round(inner * pool.planned / whole, 1)
        remaining_w = round(inner * max(pool.remaining, 0) / whole, 1)
        figures = [
            _("Budget %(amount)s", amount=money(pool.budget)),
            _("Granted %(amount)s", amount=money(pool.granted)),
        ]
        if pool.planned:
            figures.append(_("This plan %(amount)s", amount=money(pool.planned)))
        figures.append(_("Remaining %(amount)s", amount=money(pool.remaining)))
        described.append(f"{pool.name}: " + ", ".join(figures))
        parts = [
            title(f"{pool.name}: " + " · ".join(figures)),
            text(pool.name, x=4, y=y + 13, font_weight="bold"),
            el("rect", x=4, y=y + 18, width=inner, height=16, fill=REMAINING, stroke="#5b6b7b",
               stroke_width=1, class_="budget", data_cents=pool.budget),
            el("rect", x=4, y=y + 18, width=granted_w, height=16, fill=GRANTED,
               class_="granted", data_cents=pool.granted),
            el("rect", x=4 + granted_w, y=y + 18, width=planned_w, height=16, fill=PLANNED,
               class_="planned", data_cents=pool.planned),
            el("rect", x=4 + granted_w + planned_w, y=y + 18, width=remaining_w, height=16,
               fill="none", class_="remaining", data_cents=pool.remaining),
            text(" · ".join(figures), x=4, y=y + 48, class_="figures"),
        ]  # fmt: skip
        body.append(el("g", *parts, class_="pool", data_kind=pool.kind))
        y += 60
    if not pools:
        body.append(text(_("There is no support budget."), x=4, y=18))
        y = 28
    label = _("Support budgets") + ": " + "; ".join(described)
    return _svg(NARROW, y + 2, label, _("Support budgets"), body)
