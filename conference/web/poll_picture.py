"""A poll's result as a server-rendered SVG: options in Schulze order, Borda beside them."""

from __future__ import annotations

from markupsafe import Markup

from ..domain.poll_count import PollResult
from .pictures import Gettext, _svg, el, fit, plain, text, title

ROW = 22
LABEL_WIDTH = 260.0
BAR_WIDTH = 300.0
WIDTH = LABEL_WIDTH + BAR_WIDTH + 120
BAR, BAR_TOP = "#8fb5dc", "#2b5c8a"


def poll_bars(result: PollResult, _: Gettext = plain, *, limit: int = 50) -> Markup:
    """One row per option, best first: its Schulze rank, a bar for the share of ballots
    that ranked it, and its Borda score."""
    rows = result.options[:limit]
    height = 24 + ROW * len(rows) + 8
    body = [
        text(_("Rank"), x=4, y=14, font_weight="bold"),
        text(_("Option"), x=40, y=14, font_weight="bold"),
        text(_("Ranked on ballots"), x=LABEL_WIDTH, y=14, font_weight="bold"),
        text(_("Borda"), x=LABEL_WIDTH + BAR_WIDTH + 50, y=14, font_weight="bold"),
    ]
    for i, row in enumerate(rows):
        y = 24 + i * ROW
        share = row.ranked_by / result.ballots if result.ballots else 0.0
        tip = _(
            "%(option)s: rank %(rank)s, ranked on %(count)s of %(ballots)s ballots, Borda %(borda)s",
            option=row.label, rank=row.rank, count=row.ranked_by, ballots=result.ballots,
            borda=row.borda,
        )  # fmt: skip
        body.append(
            el(
                "g",
                title(tip),
                text(row.rank, x=4, y=y + 14),
                text(fit(row.label, LABEL_WIDTH - 48), x=40, y=y + 14),
                el(
                    "rect",
                    x=LABEL_WIDTH,
                    y=y + 3,
                    height=ROW - 6,
                    width=f"{max(share * BAR_WIDTH, 1):.1f}",
                    fill=BAR_TOP if row.rank == 1 and result.ballots else BAR,
                ),  # fmt: skip
                text(f"{row.ranked_by}", x=LABEL_WIDTH + share * BAR_WIDTH + 4, y=y + 14),
                text(row.borda, x=LABEL_WIDTH + BAR_WIDTH + 50, y=y + 14),
                class_="option",
            )
        )
    label = _("Poll result: %(count)s ballots", count=result.ballots)
    return _svg(WIDTH, height, label, label, body)
