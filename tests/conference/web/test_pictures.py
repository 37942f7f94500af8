"""The SVG pictures read as a person would read them, and escape whatever names they show."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conference.web import pictures

pytestmark = pytest.mark.unit

NS = {"svg": pictures.SVG_NS}


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{{{pictures.SVG_NS}}}svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.find("svg:title", NS) is not None
    return root


def words(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def with_class(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [
        e for e in root.iter(f"{{{pictures.SVG_NS}}}{tag}") if name in e.get("class", "").split()
    ]


ROSTER = {
    "booths": [
        {"session": "1", "language": "fr", "interpreters": ["7", "8"], "sources": {"en": "direct"},
         "turns": [
             {"interpreter": "7", "start": "2026-12-05T13:00:00Z", "end": "2026-12-05T13:30:00Z"},
             {"interpreter": "8", "start": "2026-12-05T13:30:00Z", "end": "2026-12-05T14:00:00Z"},
         ]},
        {"session": "1", "language": "ar", "interpreters": ["9"], "sources": {"en": "relay:fr"},
         "turns": [
             {"interpreter": "9", "start": "2026-12-05T13:00:00Z", "end": "2026-12-05T14:00:00Z"},
         ]},
        {"session": "2", "language": "es", "interpreters": ["7"], "sources": {"en": "direct"},
         "turns": [
             {"interpreter": "7", "start": "2026-12-06T09:00:00Z", "end": "2026-12-06T09:30:00Z"},
         ]},
    ],
    "unserved": [
        {"session": "1", "languages": ["hi"], "listeners": 3, "reason": "no interpreter"},
        {"session": "1", "languages": ["pt-BR", "es"], "listeners": 2, "reason": "busy"},
    ],
}  # fmt: skip
SESSIONS = {"1": "Opening plenary", "2": "Closing plenary"}
NAMES = {"7": "Camille Durand", "8": "<script>alert(1)</script>", "9": "Youssef Haddad"}


def test_the_roster_has_one_row_per_booth_and_a_named_bar_per_turn() -> None:
    root = parse(pictures.roster_timeline(ROSTER, SESSIONS, NAMES, "UTC"))
    booths = with_class(root, "g", "booth")
    assert [(b.get("data-session"), b.get("data-language")) for b in booths] == [
        ("1", "fr"), ("1", "ar"), ("2", "es"),
    ]  # fmt: skip
    turns = [[t.get("data-name") for t in with_class(b, "g", "turn")] for b in booths]
    assert turns == [
        ["Camille Durand", "<script>alert(1)</script>"], ["Youssef Haddad"], ["Camille Durand"],
    ]  # fmt: skip
    # What the bar says: the name, whole or cut to fit, and in full in its tooltip.
    first = with_class(booths[0], "g", "turn")[0]
    assert words(first.find("svg:title", NS)) == "Camille Durand, 13:00–13:30"
    label = with_class(first, "text", "turn-name")[0].text or ""
    assert "Camille Durand".startswith(label.rstrip("…")) and label
    # The relay is marked on its booth, and only there.
    assert [b.get("data-relay") for b in booths] == [None, "fr", None]
    assert "relay via fr" in words(with_class(booths[1], "text", "booth-label")[0])
    # Each day has its own scale; session titles head their booths.
    days = with_class(root, "g", "day")
    assert [d.get("data-day") for d in days] == ["2026-12-05", "2026-12-06"]
    assert "Opening plenary" in words(days[0]) and "Closing plenary" in words(days[1])
    assert "13:00" in words(days[0]) and "09:00" in words(days[1])


def test_the_roster_bars_sit_on_the_time_axis() -> None:
    root = parse(pictures.roster_timeline(ROSTER, SESSIONS, NAMES, "UTC"))
    fr = with_class(root, "g", "booth")[0]
    first, second = (t.find("svg:rect", NS) for t in with_class(fr, "g", "turn"))
    assert first is not None and second is not None
    assert float(first.get("x", 0)) < float(second.get("x", 0))
    assert float(first.get("width", 0)) == pytest.approx(float(second.get("width", 0)))


def test_hostile_names_are_escaped_and_the_svg_still_parses() -> None:
    markup = str(pictures.roster_timeline(ROSTER, {"1": "<b>Plenary</b> & co"}, NAMES, "UTC"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<b>" not in markup
    root = parse(markup)
    assert "<b>Plenary</b> & co" in words(root)
    rows = pictures.demand_by_session(
        {
            "sessions": [{"id": "1"}],
            "demand": [{"session": "1", "languages": ["x"], "listeners": 1}],
        },
        {"unserved": [{"session": "1", "languages": ['"><script>'], "listeners": 1}]},
        {"1": "<script>"},
    )
    markup = str(pictures.demand_bars(rows))
    assert "<script>" not in markup
    assert "<script>" in words(parse(markup))
    pools = [pictures.Pool("data_package", "<img src=x>", 100, 0)]
    markup = str(pictures.budget_bars(pools))
    assert "<img" not in markup and "<img src=x>" in words(parse(markup))


def test_demand_shows_served_and_unserved_listeners_with_their_languages() -> None:
    document = {
        "sessions": [{"id": "1"}, {"id": "2"}],
        "demand": [
            {"session": "1", "languages": ["fr"], "listeners": 10},
            {"session": "1", "languages": ["hi"], "listeners": 3},
            {"session": "1", "languages": ["es", "pt-BR"], "listeners": 2},
            {"session": "2", "languages": ["fr"], "listeners": 4},
        ],
    }
    rows = pictures.demand_by_session(document, ROSTER, SESSIONS)
    assert rows == [
        pictures.Demand("1", "Opening plenary", 10, 5, ("hi", "pt-BR", "es")),
        pictures.Demand("2", "Closing plenary", 4, 0, ()),
    ]
    root = parse(pictures.demand_bars(rows))
    sessions = with_class(root, "g", "session")
    assert [s.get("data-session") for s in sessions] == ["1", "2"]
    first, second = sessions
    assert "10 served · 5 unserved" in words(first)
    assert words(with_class(first, "text", "unserved-languages")[0]) == "Unserved: hi, pt-BR, es"
    assert "4 served · 0 unserved" in words(second)
    assert not with_class(second, "text", "unserved-languages")
    served = with_class(first, "rect", "served")[0]
    unserved = with_class(first, "rect", "unserved")[0]
    assert (served.get("data-listeners"), unserved.get("data-listeners")) == ("10", "5")
    # Bars are to scale: 10 served are twice as long as 5 unserved.
    assert float(served.get("width", 0)) == pytest.approx(
        2 * float(unserved.get("width", 0)), abs=0.2
    )
    assert "14 listeners served and 5 unserved" in (root.get("aria-label") or "")


def test_budgets_show_budget_granted_planned_and_remaining_to_the_cent() -> None:
    pools = [
        pictures.Pool("data_package", "Mobile-data package", 3500, 1250, 1005),
        pictures.Pool("childcare", "Childcare", 6000, 0),
    ]
    root = parse(pictures.budget_bars(pools))
    data, care = with_class(root, "g", "pool")
    assert words(with_class(data, "text", "figures")[0]) == (
        "Budget 35.00 · Granted 12.50 · This plan 10.05 · Remaining 12.45"
    )
    assert words(with_class(care, "text", "figures")[0]) == (
        "Budget 60.00 · Granted 0.00 · Remaining 60.00"
    )
    assert "Mobile-data package" in words(data) and "Childcare" in words(care)
    widths = {c: float(with_class(data, "rect", c)[0].get("width", 0)) for c in
              ("budget", "granted", "planned", "remaining")}  # fmt: skip
    assert widths["granted"] + widths["planned"] + widths["remaining"] == pytest.approx(
        widths["budget"], abs=0.2
    )
    assert widths["granted"] / widths["budget"] == pytest.approx(1250 / 3500, abs=0.01)
    assert "Remaining 12.45" in (root.get("aria-label") or "")


def test_an_overspent_pool_shows_a_negative_remainder() -> None:
    assert pictures.money(-5) == "-0.05" and pictures.money(123456) == "1234.56"
    root = parse(pictures.budget_bars([pictures.Pool("childcare", "Childcare", 1000, 1500)]))
    assert "Remaining -5.00" in words(root)


def test_empty_pictures_say_so() -> None:
    assert "No booth is open" in words(parse(pictures.roster_timeline({"booths": []}, {}, {})))
    assert "No session" in words(parse(pictures.demand_bars([])))


def test_texts_go_through_the_given_gettext() -> None:
    def shout(message: str, **values: object) -> str:
        return (message % values if values else message).upper()

    root = parse(pictures.budget_bars([pictures.Pool("childcare", "Childcare", 100, 0)], shout))
    assert "BUDGET 1.00" in words(root)
