"""Granting support requests (`plan support`): mobile-data upgrades and childcare within budgets.

Money is counted in whole cents so that budgets hold exactly: every amount in
the file (budget, offer price) is read as the decimal written there and rounded
to the nearest cent, halves up; a childcare cost, children × hours × rate, is
computed exactly and rounded to the cent once, at the end. Each pool is then a
0/1 knapsack, solved with CP-SAT in one model: one boolean per request that
can be priced, the granted costs of a pool at most its budget, maximising the
sum of priorities (and, with a weight too small to trade against priority, the
number of grants).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from ortools.sat.python import cp_model

from conference.planning import solver
from conference.planning.inputs import Reader, child

Kind = Literal["data_package", "childcare"]
KINDS: tuple[Kind, ...] = ("data_package", "childcare")
KIND_NAMES = {"data_package": "data package", "childcare": "childcare"}


def to_cents(amount: float | int | Fraction) -> int:
    """An amount in whole cents: the decimal as written, rounded to the nearest cent, halves up."""
    exact = amount if isinstance(amount, Fraction) else Fraction(Decimal(repr(amount)))
    return math.floor(exact * 100 + Fraction(1, 2))


def from_cents(cents: int) -> int | float:
    """An amount for the output: a whole number when it has no cents."""
    return cents // 100 if cents % 100 == 0 else cents / 100


@dataclass(frozen=True)
class Offer:
    country: str
    carrier: str
    gb: float
    price: int
    """In cents."""


@dataclass(frozen=True)
class Session:
    id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Request:
    id: str
    registrant: str
    kind: Kind
    priority: int = 1
    country: str | None = None
    carrier: str | None = None
    gb: float | None = None
    children: int | None = None
    sessions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupportProblem:
    """The whole input, amounts in cents."""

    budgets: dict[Kind, int]
    offers: tuple[Offer, ...]
    rates: dict[str, Fraction]
    """Hourly childcare rates by country key (casefolded), plus ``default`` when given."""
    sessions: dict[str, Session]
    requests: tuple[Request, ...]


@dataclass(frozen=True)
class Grant:
    request: Request
    cost: int
    offer: Offer | None = None
    hours: Fraction | None = None


@dataclass(frozen=True)
class Declined:
    request: Request
    reason: str


@dataclass(frozen=True)
class SupportPlan:
    status: solver.Status
    granted_priority: int
    grants: tuple[Grant, ...]
    declined: tuple[Declined, ...]
    spent: dict[Kind, int]


def plan(document: dict[str, Any], time_limit: float | None = None) -> dict[str, Any]:
    """Validate the input document and return the grants in the shape of the spec."""
    return as_document(solve(parse(document), time_limit))


# -- reading ----------------------------------------------------------------


def _key(text: str) -> str:
    return text.casefold()


def parse(document: dict[str, Any]) -> SupportProblem:
    """Read and validate the whole document; raises InvalidInput listing every problem."""
    reader = Reader()
    pools = reader.mapping(document, "budgets")
    budgets: dict[Kind, int] = {}
    for kind in pools:
        if kind not in KINDS:
            reader.problem(
                child("budgets", kind), "is not a request kind (data_package or childcare)"
            )
    for kind in KINDS:
        amount = reader.number(pools, kind, "budgets", required=False, default=0.0)
        budgets[kind] = to_cents(amount or 0)

    offers = []
    for path, item in reader.objects(document, "data_offers", required=False):
        country = reader.string(item, "country", path)
        carrier = reader.string(item, "carrier", path)
        gb = reader.number(item, "gb", path)
        price = reader.number(item, "price", path)
        if country is not None and carrier is not None and gb is not None and price is not None:
            offers.append(Offer(country, carrier, gb, to_cents(price)))

    rate_items = reader.mapping(document, "childcare_hourly_rate", required=False)
    rates = {}
    for country in rate_items:
        rate = reader.number(rate_items, country, "childcare_hourly_rate")
        if rate is not None:
            exact = Fraction(Decimal(repr(rate)))
            rates["default" if country == "default" else _key(country)] = exact

    session_items = reader.objects(document, "sessions", required=False)
    reader.unique_ids(session_items)
    sessions = {}
    for path, item in session_items:
        span = reader.window(item, path)
        if span is not None:
            sessions[str(item.get("id"))] = Session(str(item.get("id")), *span)
    known = {str(item.get("id")) for _, item in session_items}

    request_items = reader.objects(document, "requests")
    reader.unique_ids(request_items)
    requests = [_request(reader, path, item, known) for path, item in request_items]
    reader.check()
    return SupportProblem(
        budgets, tuple(offers), rates, sessions, tuple(r for r in requests if r is not None)
    )


def _request(reader: Reader, path: str, item: dict[str, Any], sessions: set[str]) -> Request | None:
    registrant = reader.identifier(item, "registrant", path)
    kind = reader.string(item, "kind", path)
    priority = reader.integer(item, "priority", path, required=False, default=1)
    if kind is not None and kind not in KINDS:
        reader.problem(
            child(path, "kind"),
            f"is not a known request kind: {kind!r} (data_package or childcare)",
        )
        return None
    if kind == "data_package":
        country = reader.string(item, "country", path)
        carrier = reader.string(item, "carrier", path)
        gb = reader.number(item, "gb", path)
        if registrant and priority is not None:
            return Request(
                str(item.get("id")), registrant, "data_package", priority, country, carrier, gb
            )
    elif kind == "childcare":
        country = reader.string(item, "country", path, required=False)
        children = reader.integer(item, "children", path)
        listed = reader.references(item, "sessions", path, sessions, "session")
        if registrant and priority is not None:
            return Request(
                str(item.get("id")),
                registrant,
                "childcare",
                priority,
                country,
                children=children,
                sessions=tuple(listed),
            )
    return None


# -- pricing ----------------------------------------------------------------


def cheapest_offer(request: Request, offers: tuple[Offer, ...]) -> Offer | None:
    """The cheapest offer for the request's country and carrier with enough GB (more GB on a tie)."""
    fitting = [
        offer
        for offer in offers
        if _key(offer.country) == _key(request.country or "")
        and _key(offer.carrier) == _key(request.carrier or "")
        and offer.gb >= (request.gb or 0)
    ]
    return min(fitting, key=lambda offer: (offer.price, -offer.gb), default=None)


def childcare_hours(request: Request, sessions: dict[str, Session]) -> Fraction:
    """The total length of the listed sessions, exactly, in hours."""
    micro = sum(
        (sessions[s].end - sessions[s].start) // timedelta(microseconds=1) for s in request.sessions
    )
    return Fraction(micro, 3_600_000_000)


def childcare_rate(request: Request, rates: dict[str, Fraction]) -> Fraction | None:
    """The country's hourly rate, else the default; None when neither is given."""
    if request.country is not None and _key(request.country) in rates:
        return rates[_key(request.country)]
    return rates.get("default")


def price(request: Request, problem: SupportProblem) -> tuple[Grant | None, str | None]:
    """What granting the request would cost, or why it cannot be met at any budget."""
    if request.kind == "data_package":
        offer = cheapest_offer(request, problem.offers)
        if offer is None:
            return None, _no_offer(request, problem.offers)
        return Grant(request, offer.price, offer=offer), None
    rate = childcare_rate(request, problem.rates)
    if rate is None:
        return None, f"there is no childcare hourly rate for {request.country} and no default rate"
    hours = childcare_hours(request, problem.sessions)
    cost = to_cents((request.children or 0) * hours * rate)
    return Grant(request, cost, hours=hours), None


def _no_offer(request: Request, offers: tuple[Offer, ...]) -> str:
    country, carrier = request.country or "", request.carrier or ""
    in_country = [offer for offer in offers if _key(offer.country) == _key(country)]
    if not in_country:
        return f"no data offer in {country}"
    if not any(_key(offer.carrier) == _key(carrier) for offer in in_country):
        return f"no data offer for carrier {carrier} in {country}"
    return f"no data offer for carrier {carrier} in {country} with at least {_gb(request.gb)} GB"


def _plain(number: float) -> int | float:
    """A number for the output, without a trailing ``.0``."""
    return int(number) if number == int(number) else number


def _gb(amount: float | None) -> str:
    return f"{amount:g}" if amount is not None else "0"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# -- solving ----------------------------------------------------------------


def solve(problem: SupportProblem, time_limit: float | None = None) -> SupportPlan:
    """Grant the requests that maximise the total priority within each budget."""
    priced: dict[str, Grant] = {}
    unmet: dict[str, str] = {}
    for request in problem.requests:
        grant, reason = price(request, problem)
        budget = problem.budgets[request.kind]
        name = KIND_NAMES[request.kind]
        if grant is None:
            unmet[request.id] = reason or "it cannot be met"
        elif grant.cost > budget:
            unmet[request.id] = (
                f"it costs {_money(grant.cost)}, more than the whole {name} budget"
                f" of {_money(budget)}"
                if budget
                else f"there is no {name} budget"
            )
        else:
            priced[request.id] = grant

    model = cp_model.CpModel()
    take = {ident: model.new_bool_var(ident) for ident in priced}
    for kind in KINDS:
        costs = [(grant.cost, take[i]) for i, grant in priced.items() if grant.request.kind == kind]
        # A budget past every cost in its pool never binds; capping it keeps "unlimited"
        # budgets such as 1e18 inside CP-SAT's integer range.
        budget = min(problem.budgets[kind], sum(cost for cost, _ in costs))
        model.add(sum(cost * var for cost, var in costs) <= budget)
    # Any number of extra grants is worth less than one unit of priority.
    weight = len(priced) + 1
    model.maximize(
        sum((grant.request.priority * weight + 1) * take[i] for i, grant in priced.items())
    )
    result = solver.solve(model, time_limit)

    grants = tuple(grant for i, grant in priced.items() if result.chosen(take[i]))
    spent = {kind: sum(g.cost for g in grants if g.request.kind == kind) for kind in KINDS}
    declined = []
    for request in problem.requests:
        if request.id in unmet:
            declined.append(Declined(request, unmet[request.id]))
        elif not result.chosen(take[request.id]):
            cost, left = (
                priced[request.id].cost,
                problem.budgets[request.kind] - spent[request.kind],
            )
            declined.append(Declined(request, _spent(request.kind, cost, left)))
    granted = sum(grant.request.priority for grant in grants)
    return SupportPlan(result.status, granted, grants, tuple(declined), spent)


def _spent(kind: Kind, cost: int, left: int) -> str:
    if cost <= left:
        return "the time limit stopped the search before this request was granted"
    return (
        f"the {KIND_NAMES[kind]} budget is spent"
        f" ({_money(left)} left, this request costs {_money(cost)})"
    )


# -- writing ----------------------------------------------------------------


def as_document(plan: SupportPlan) -> dict[str, Any]:
    """The output document of the spec."""
    grants = []
    for grant in plan.grants:
        request = grant.request
        item: dict[str, Any] = {
            "request": request.id,
            "registrant": request.registrant,
            "kind": request.kind,
            "cost": from_cents(grant.cost),
        }
        if grant.offer is not None:
            item["offer"] = {"carrier": grant.offer.carrier, "gb": _plain(grant.offer.gb)}
        if grant.hours is not None:
            item["children"] = request.children
            item["hours"] = _plain(float(grant.hours))
        grants.append(item)
    return {
        "status": plan.status,
        "granted_priority": plan.granted_priority,
        "grants": grants,
        "declined": [
            {"request": d.request.id, "registrant": d.request.registrant, "reason": d.reason}
            for d in plan.declined
        ],
        "spent": {kind: from_cents(cents) for kind, cents in plan.spent.items()},
    }
