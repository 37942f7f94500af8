"""Support requests: cents, offers, childcare cost, budgets, reasons, optimality."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conference.planning import support
from conference.planning.inputs import InvalidInput

pytestmark = pytest.mark.unit


def data(ident: str, country: str, carrier: str, gb: float, priority: int = 1) -> dict[str, Any]:
    return {
        "id": ident,
        "registrant": f"P-{ident}",
        "kind": "data_package",
        "country": country,
        "carrier": carrier,
        "gb": gb,
        "priority": priority,
    }


def childcare(
    ident: str, children: int, sessions: list[str], country: str | None = None, priority=1
):
    item: dict[str, Any] = {
        "id": ident,
        "registrant": f"P-{ident}",
        "kind": "childcare",
        "children": children,
        "sessions": sessions,
        "priority": priority,
    }
    if country is not None:
        item["country"] = country
    return item


def offer(country: str, carrier: str, gb: float, price: float) -> dict[str, Any]:
    return {"country": country, "carrier": carrier, "gb": gb, "price": price}


def session(ident: str, start: str, end: str) -> dict[str, str]:
    return {"id": ident, "start": f"2020-12-05T{start}:00Z", "end": f"2020-12-05T{end}:00Z"}


def granted(output: dict[str, Any]) -> dict[str, Any]:
    return {g["request"]: g["cost"] for g in output["grants"]}


def reasons(output: dict[str, Any]) -> dict[str, str]:
    return {d["request"]: d["reason"] for d in output["declined"]}


# -- cents ------------------------------------------------------------------------


def test_amounts_are_read_as_written_and_rounded_to_the_cent_halves_up():
    assert support.to_cents(10) == 1000
    assert support.to_cents(3.33) == 333
    # 1.005 as a binary float is 1.00499999...; as written it is a half cent.
    assert support.to_cents(1.005) == 101
    assert support.to_cents(2.675) == 268
    assert support.to_cents(0.004) == 0
    assert support.to_cents(Fraction(10, 3)) == 333


def test_a_budget_of_ten_fits_333_333_334_exactly():
    # In binary floating point 3.33 + 3.33 + 3.34 is 10.000000000000002.
    document = {
        "budgets": {"data_package": 10.00},
        "data_offers": [offer("IN", "Jio", 1, 3.33), offer("IN", "Airtel", 1, 3.34)],
        "requests": [
            data("R1", "IN", "Jio", 1),
            data("R2", "IN", "Jio", 1),
            data("R3", "IN", "Airtel", 1),
        ],
    }
    output = support.plan(document)
    assert granted(output) == {"R1": 3.33, "R2": 3.33, "R3": 3.34}
    assert output["spent"] == {"data_package": 10, "childcare": 0}
    assert output["declined"] == []


def test_a_budget_of_ten_does_not_fit_three_times_334():
    document = {
        "budgets": {"data_package": 10.00},
        "data_offers": [offer("IN", "Jio", 1, 3.34)],
        "requests": [data(f"R{i}", "IN", "Jio", 1) for i in range(1, 4)],
    }
    output = support.plan(document)
    assert output["granted_priority"] == 2
    assert output["spent"]["data_package"] == 6.68
    assert list(reasons(output).values()) == [
        "the data package budget is spent (3.32 left, this request costs 3.34)"
    ]


def test_one_cent_short_is_short():
    document = {
        "budgets": {"data_package": 6.67},
        "data_offers": [offer("IN", "Jio", 1, 3.34)],
        "requests": [data("R1", "IN", "Jio", 1), data("R2", "IN", "Jio", 1)],
    }
    assert len(support.plan(document)["grants"]) == 1


# -- data offers --------------------------------------------------------------------


def test_carriers_and_countries_compare_case_insensitively():
    document = {
        "budgets": {"data_package": 500},
        "data_offers": [offer("IN", "Jio", 10, 3.5)],
        "requests": [data("R1", "in", "jio", 8, priority=2)],
    }
    assert support.plan(document) == {
        "status": "optimal",
        "granted_priority": 2,
        "grants": [
            {
                "request": "R1",
                "registrant": "P-R1",
                "kind": "data_package",
                "cost": 3.5,
                "offer": {"carrier": "Jio", "gb": 10},
            }
        ],
        "declined": [],
        "spent": {"data_package": 3.5, "childcare": 0},
    }


def test_the_cheapest_offer_with_enough_gb_is_chosen():
    document = {
        "budgets": {"data_package": 500},
        "data_offers": [
            offer("IN", "Jio", 5, 1.0),  # too small
            offer("IN", "Jio", 10, 4.0),
            offer("IN", "Jio", 20, 3.5),  # cheapest that is big enough
            offer("IN", "Airtel", 10, 1.0),  # other carrier
            offer("NG", "Jio", 10, 1.0),  # other country
        ],
        "requests": [data("R1", "IN", "JIO", 8)],
    }
    [grant] = support.plan(document)["grants"]
    assert (grant["cost"], grant["offer"]) == (3.5, {"carrier": "Jio", "gb": 20})


def test_a_request_for_exactly_the_offered_gb_is_met():
    document = {
        "budgets": {"data_package": 5},
        "data_offers": [offer("KE", "Safaricom", 2.5, 1.25)],
        "requests": [data("R1", "KE", "safaricom", 2.5)],
    }
    assert granted(support.plan(document)) == {"R1": 1.25}


def test_missing_offers_are_named_precisely():
    document = {
        "budgets": {"data_package": 500},
        "data_offers": [offer("IN", "Jio", 5, 1.0)],
        "requests": [
            data("R1", "NG", "MTN", 1),
            data("R2", "IN", "Airtel", 1),
            data("R3", "IN", "jio", 8),
        ],
    }
    assert reasons(support.plan(document)) == {
        "R1": "no data offer in NG",
        "R2": "no data offer for carrier Airtel in IN",
        "R3": "no data offer for carrier jio in IN with at least 8 GB",
    }


# -- childcare --------------------------------------------------------------------

SESSIONS = [
    session("S1", "13:00", "14:30"),
    session("S2", "15:00", "15:30"),
    session("T1", "09:00", "09:20"),
    session("T2", "10:00", "10:20"),
    session("T3", "11:00", "11:20"),
]


def test_childcare_costs_children_times_hours_times_the_country_rate_or_the_default():
    document = {
        "budgets": {"childcare": 1200},
        "childcare_hourly_rate": {"default": 12, "NG": 6},
        "sessions": SESSIONS,
        "requests": [
            childcare("R1", 2, ["S1", "S2"], "NG"),  # 2 × 2 h × 6
            childcare("R2", 2, ["S1", "S2"], "KE"),  # 2 × 2 h × 12 (default)
            childcare("R3", 1, ["S2"], "ng"),  # 1 × 0.5 h × 6
            childcare("R4", 3, ["S1"]),  # 3 × 1.5 h × 12 (no country)
        ],
    }
    output = support.plan(document)
    assert granted(output) == {"R1": 24, "R2": 48, "R3": 3, "R4": 54}
    assert output["spent"] == {"data_package": 0, "childcare": 129}
    assert output["grants"][0]["hours"] == 2


def test_childcare_cost_is_rounded_once_over_all_sessions():
    # Three 20-minute sessions at 10 an hour: 10.00 in all, not 3 × 3.33.
    document = {
        "budgets": {"childcare": 100},
        "childcare_hourly_rate": {"default": 10},
        "sessions": SESSIONS,
        "requests": [childcare("R1", 1, ["T1", "T2", "T3"]), childcare("R2", 1, ["T1"])],
    }
    assert granted(support.plan(document)) == {"R1": 10, "R2": 3.33}


def test_childcare_without_a_rate_for_the_country_or_a_default_is_declined():
    document = {
        "budgets": {"childcare": 100},
        "childcare_hourly_rate": {"NG": 6},
        "sessions": SESSIONS,
        "requests": [childcare("R1", 1, ["S1"], "KE")],
    }
    assert reasons(support.plan(document)) == {
        "R1": "there is no childcare hourly rate for KE and no default rate"
    }


def test_a_request_dearer_than_the_whole_pool_is_named():
    document = {
        "budgets": {"childcare": 40},
        "childcare_hourly_rate": {"default": 12},
        "sessions": SESSIONS,
        "requests": [childcare("R1", 2, ["S1", "S2"])],
    }
    assert reasons(support.plan(document)) == {
        "R1": "it costs 48.00, more than the whole childcare budget of 40.00"
    }


def test_a_pool_without_a_budget_grants_nothing():
    document = {
        "budgets": {"data_package": 100},
        "childcare_hourly_rate": {"default": 12},
        "sessions": SESSIONS,
        "requests": [childcare("R1", 1, ["S1"])],
    }
    assert reasons(support.plan(document)) == {"R1": "there is no childcare budget"}


def test_each_pool_pays_only_for_its_own_kind():
    document = {
        "budgets": {"data_package": 100, "childcare": 10},
        "data_offers": [offer("IN", "Jio", 1, 1)],
        "childcare_hourly_rate": {"default": 12},
        "sessions": SESSIONS,
        "requests": [childcare("R1", 1, ["S1"]), data("R2", "IN", "Jio", 1)],
    }
    output = support.plan(document)
    assert granted(output) == {"R2": 1}
    assert reasons(output) == {
        "R1": "it costs 18.00, more than the whole childcare budget of 10.00"
    }


def test_priority_beats_greed():
    # Greedy by priority takes A (6.00, priority 3) and nothing else fits; B + C give 4.
    document = {
        "budgets": {"data_package": 10},
        "data_offers": [offer("IN", "Jio", 1, 6), offer("IN", "Vi", 1, 5)],
        "requests": [
            data("A", "IN", "Jio", 1, priority=3),
            data("B", "IN", "Vi", 1, priority=2),
            data("C", "IN", "Vi", 1, priority=2),
        ],
    }
    output = support.plan(document)
    assert output["granted_priority"] == 4
    assert granted(output) == {"B": 5, "C": 5}
    assert reasons(output) == {
        "A": "the data package budget is spent (0.00 left, this request costs 6.00)"
    }


# -- invalid input ------------------------------------------------------------------


def problems(document: Any) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        support.plan(document)
    return caught.value.problems


def test_budgets_and_requests_are_required():
    assert problems({}) == ["budgets: is required", "requests: is required"]


def test_every_bad_field_is_reported_with_its_path():
    document = {
        "budgets": {"data_package": -1, "childcare": "a lot", "travel": 5},
        "data_offers": [{"country": "IN", "carrier": "Jio", "gb": -2, "price": -3.5}],
        "childcare_hourly_rate": {"default": -12},
        "sessions": [
            {"id": "S1", "start": "2020-12-05T13:00:00Z", "end": "2020-12-05T12:00:00Z"},
            {"id": "S1", "start": "2020-12-05T13:00:00", "end": "2020-12-05T14:00:00Z"},
        ],
        "requests": [
            {"id": "R1", "registrant": "P1", "kind": "travel"},
            {"id": "R2", "registrant": "P2", "kind": "data_package", "carrier": "jio", "gb": "8"},
            {
                "id": "R3",
                "registrant": "P3",
                "kind": "childcare",
                "children": -1,
                "sessions": ["S9"],
            },
            {"id": "R3", "kind": "childcare", "children": 1, "sessions": ["S1", "S1"]},
        ],
    }
    assert problems(document) == [
        "budgets.travel: is not a request kind (data_package or childcare)",
        "budgets.data_package: must not be negative",
        "budgets.childcare: must be a number",
        "data_offers[0].gb: must not be negative",
        "data_offers[0].price: must not be negative",
        "childcare_hourly_rate.default: must not be negative",
        "sessions[1].id: repeats the id 'S1'",
        "sessions[0].end: must be after start",
        "sessions[1].start: must carry an offset, such as Z or +05:30",
        "requests[3].id: repeats the id 'R3'",
        "requests[0].kind: is not a known request kind: 'travel' (data_package or childcare)",
        "requests[1].country: is required",
        "requests[1].gb: must be a number",
        "requests[2].children: must not be negative",
        "requests[2].sessions[0]: refers to an unknown session 'S9'",
        "requests[3].registrant: is required",
        "requests[3].sessions[1]: repeats the session 'S1'",
    ]


# -- properties -----------------------------------------------------------------

COUNTRIES = ["IN", "ng"]
CARRIERS = ["Jio", "mtn"]


@st.composite
def problems_to_plan(draw: st.DrawFn, max_requests: int = 10) -> dict[str, Any]:
    cents = st.integers(0, 1500).map(lambda c: c / 100)
    offers = [
        offer(
            draw(st.sampled_from(COUNTRIES)),
            draw(st.sampled_from(CARRIERS)),
            draw(st.sampled_from([1, 2, 5])),
            draw(cents),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    sessions = [session("S1", "10:00", "10:20"), session("S2", "11:00", "12:30")]
    requests: list[dict[str, Any]] = []
    for index in range(draw(st.integers(0, max_requests))):
        priority = draw(st.integers(0, 4))
        if draw(st.booleans()):
            requests.append(
                data(
                    f"R{index}",
                    draw(st.sampled_from(COUNTRIES)).upper(),
                    draw(st.sampled_from(CARRIERS)).lower(),
                    draw(st.sampled_from([1, 2, 3])),
                    priority,
                )
            )
        else:
            requests.append(
                childcare(
                    f"R{index}",
                    draw(st.integers(0, 3)),
                    draw(st.lists(st.sampled_from(["S1", "S2"]), min_size=1, unique=True)),
                    draw(st.sampled_from(["NG", "KE", None])),
                    priority,
                )
            )
    return {
        "budgets": {"data_package": draw(cents), "childcare": draw(cents) * 5},
        "data_offers": offers,
        "childcare_hourly_rate": {"default": 7.77, "NG": 3.33},
        "sessions": sessions,
        "requests": requests,
    }


def expected_cost(document: dict[str, Any], request: dict[str, Any]) -> int | None:
    """A request's cost in cents by the spec, computed independently; None if it cannot be met."""
    if request["kind"] == "data_package":
        prices = [
            round(o["price"] * 100)
            for o in document["data_offers"]
            if o["country"].lower() == request["country"].lower()
            and o["carrier"].lower() == request["carrier"].lower()
            and o["gb"] >= request["gb"]
        ]
        return min(prices, default=None)
    minutes = {"S1": 20, "S2": 90}
    rate = {"NG": Fraction(333, 100)}.get(request.get("country") or "", Fraction(777, 100))
    exact = request["children"] * Fraction(sum(minutes[s] for s in request["sessions"]), 60) * rate
    return int(exact * 100 + Fraction(1, 2))


def assert_valid(document: dict[str, Any], output: dict[str, Any]) -> None:
    requests = {r["id"]: r for r in document["requests"]}
    grants = {g["request"]: g for g in output["grants"]}
    assert sorted([*grants, *reasons(output)]) == sorted(requests)
    for kind in ("data_package", "childcare"):
        mine = [round(g["cost"] * 100) for g in grants.values() if g["kind"] == kind]
        assert sum(mine) <= round(document["budgets"][kind] * 100)
        assert round(output["spent"][kind] * 100) == sum(mine)
    for ident, grant in grants.items():
        assert grant["kind"] == requests[ident]["kind"]
        assert round(grant["cost"] * 100) == expected_cost(document, requests[ident])
    assert output["granted_priority"] == sum(requests[i]["priority"] for i in grants)
    assert all(d["reason"] for d in output["declined"])
    if output["status"] == "optimal":
        assert not any("time limit" in d["reason"] for d in output["declined"])


def brute_force(document: dict[str, Any]) -> int:
    """The best total priority over every subset of requests that fits both budgets."""
    costs = {r["id"]: expected_cost(document, r) for r in document["requests"]}
    feasible = [r for r in document["requests"] if costs[r["id"]] is not None]
    best = 0
    for size in range(len(feasible) + 1):
        for chosen in itertools.combinations(feasible, size):
            if all(
                sum(costs[r["id"]] or 0 for r in chosen if r["kind"] == kind)
                <= round(document["budgets"][kind] * 100)
                for kind in ("data_package", "childcare")
            ):
                best = max(best, sum(r["priority"] for r in chosen))
    return best


@settings(max_examples=150, deadline=None)
@given(problems_to_plan())
def test_every_plan_keeps_every_rule(document):
    output = support.plan(document)
    assert output["status"] == "optimal"
    assert_valid(document, output)


@settings(max_examples=100, deadline=None)
@given(problems_to_plan(max_requests=8))
def test_the_plan_is_as_good_as_brute_force(document):
    assert support.plan(document)["granted_priority"] == brute_force(document)


# -- size and time limit ------------------------------------------------------------


def event(requests: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    countries, carriers = ["IN", "NG", "KE", "BR", "PH"], ["Jio", "Airtel", "MTN", "Vivo"]
    offers = [
        offer(c, k, g, round(rng.uniform(1, 20), 2))
        for c in countries
        for k in carriers
        for g in (1, 2, 5, 10, 20)
        if rng.random() < 0.7
    ]
    sessions = [
        session(f"S{i}", f"{9 + i:02d}:00", f"{9 + i:02d}:{rng.choice([30, 45, 59])}")
        for i in range(10)
    ]
    items = []
    for i in range(requests):
        if rng.random() < 0.6:
            items.append(
                data(
                    f"R{i}",
                    rng.choice(countries),
                    rng.choice(carriers).lower(),
                    rng.choice([1, 3, 8, 15]),
                    rng.randint(1, 3),
                )
            )
        else:
            chosen = rng.sample([s["id"] for s in sessions], rng.randint(1, 6))
            items.append(
                childcare(
                    f"R{i}", rng.randint(1, 3), chosen, rng.choice(countries), rng.randint(1, 3)
                )
            )
    return {
        "budgets": {"data_package": requests * 2.5, "childcare": requests * 12},
        "data_offers": offers,
        "childcare_hourly_rate": {"default": 12, "NG": 6.5, "IN": 4.25},
        "sessions": sessions,
        "requests": items,
    }


def test_an_event_of_100_requests_solves_optimally():
    document = event(100)
    output = support.plan(document)
    assert output["status"] == "optimal"
    assert_valid_costs_within_budgets(document, output)


def assert_valid_costs_within_budgets(document: dict[str, Any], output: dict[str, Any]) -> None:
    for kind in ("data_package", "childcare"):
        spent = sum(round(g["cost"] * 100) for g in output["grants"] if g["kind"] == kind)
        assert spent == round(output["spent"][kind] * 100) <= round(document["budgets"][kind] * 100)


def test_a_tiny_time_limit_on_a_large_input_gives_a_feasible_plan():
    document = event(1000)
    output = support.plan(document, time_limit=0.001)
    assert output["status"] == "feasible"
    assert_valid_costs_within_budgets(document, output)
