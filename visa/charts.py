"""Bar charts drawn on the server as SVG (no script, nothing from elsewhere): a page's template
draws the bars this module measures, each with its value as a tooltip, and says the same in words."""
from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 600, 120, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


def bars(series, width=WIDTH, height=HEIGHT):
    """[(label, value)] as bars side by side, the largest value as tall as the chart."""
    if not series:
        return []
    top = max(value for _, value in series) or 1
    each = width / len(series)
    return [Bar(x=round(i * each, 1), y=round(height - value / top * height, 1), width=round(max(each - GAP, 1), 1),
                height=round(value / top * height, 1), label=label, value=value)
            for i, (label, value) in enumerate(series)]
