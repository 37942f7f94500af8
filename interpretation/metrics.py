"""Listeners per language channel, in Prometheus form, read when scraped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from interpretation.signalling.service import Interpretation


class InterpretationCollector(Collector):
    """How many seats listen to each language of each room (the original included)."""

    def __init__(self, interpretation: Interpretation) -> None:
        self._interpretation = interpretation

    def collect(self) -> Iterator[Metric]:
        listeners = GaugeMetricFamily(
            "interpretation_listeners",
            "Seats that chose each language channel, by room.",
            labels=["room", "language"],
        )
        for room_id, state in sorted(self._interpretation.rooms.items()):
            counts = Counter(choice.language for choice in state.choices.values())
            for language, count in sorted(counts.items()):
                listeners.add_metric([room_id, language], count)
        yield listeners
