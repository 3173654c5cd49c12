"""Server-side SVG plots: small pure functions, each returning one accessible <svg>.

Every plot carries a <title> and <desc> so screen readers get the gist, scales to its
container through its viewBox, and escapes any text it draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

INK = "#1b1f24"
MUTED = "#57606a"
GRID = "#d0d7de"
BLUE = "#0b5cad"
ORANGE = "#b35900"
GREEN = "#1a7f37"
RED = "#b42318"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: object, *, anchor: str = "middle", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'
    )


def _svg(width: int, height: int, title: str, desc: str, body: Sequence[str], key: str) -> Markup:
    key = _ID_UNSAFE.sub("-", key)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{key}-t {key}-d" class="plot" '
        f'font-family="system-ui, sans-serif" font-size="12" fill="{INK}">'
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


class _UnitFrame:
    """Maps the unit square onto a plot area with margins for axis labels."""

    def __init__(self, width: int = 320, height: int = 300) -> None:
        self.width, self.height = width, height
        self.left, self.top, self.right, self.bottom = 52, 14, 14, 46

    def x(self, value: float) -> float:
        return self.left + value * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        return self.top + (1 - value) * (self.height - self.top - self.bottom)

    def axes(self, x_label: str, y_label: str) -> list[str]:
        parts = []
        for tick in (0, 0.25, 0.5, 0.75, 1):
            parts.append(
                f'<line x1="{_fmt(self.x(tick))}" y1="{_fmt(self.y(0))}" '
                f'x2="{_fmt(self.x(tick))}" y2="{_fmt(self.y(1))}" stroke="{GRID}"/>'
                f'<line x1="{_fmt(self.x(0))}" y1="{_fmt(self.y(tick))}" '
                f'x2="{_fmt(self.x(1))}" y2="{_fmt(self.y(tick))}" stroke="{GRID}"/>'
            )
            parts.append(_text(self.x(tick), self.y(0) + 16, f"{tick:g}"))
            parts.append(_text(self.x(0) - 6, self.y(tick) + 4, f"{tick:g}", anchor="end"))
        parts.append(_text((self.x(0) + self.x(1)) / 2, self.height - 8, x_label))
        mid = (self.y(0) + self.y(1)) / 2
        parts.append(_text(14, mid, y_label, transform=f"rotate(-90 14 {_fmt(mid)})"))
        parts.append(
            f'<line x1="{_fmt(self.x(0))}" y1="{_fmt(self.y(0))}" x2="{_fmt(self.x(1))}" '
            f'y2="{_fmt(self.y(1))}" stroke="{MUTED}" stroke-dasharray="4 4"/>'
        )
        return parts

    def polyline(self, points: Sequence[tuple[float, float]], color: str) -> str:
        coords = " ".join(f"{_fmt(self.x(px))},{_fmt(self.y(py))}" for px, py in points)
        return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2.5"/>'


def confusion_matrix_svg(matrix: Sequence[Sequence[int]]) -> Markup:
    """2x2 confusion matrix [[tn, fp], [fn, tp]]; darker cells hold more passengers."""
    (tn, fp), (fn, tp) = matrix
    total = max(tn + fp + fn + tp, 1)
    size, left, top = 110, 110, 40
    labels = ("Died", "Survived")
    mid = top + size
    body = [
        _text(left + size, 16, "Predicted", font_weight="600"),
        _text(18, top + size, "Actual", font_weight="600", transform=f"rotate(-90 18 {mid})"),
    ]
    for col, label in enumerate(labels):
        body.append(_text(left + col * size + size / 2, top - 6, label))
    for row, label in enumerate(labels):
        body.append(_text(left - 8, top + row * size + size / 2 + 4, label, anchor="end"))
        for col in range(2):
            count = (tn, fp, fn, tp)[row * 2 + col]
            share = count / total
            light = share < 0.3
            fill = f"rgba(11, 92, 173, {0.12 + 0.88 * share:.2f})"
            x, y = left + col * size, top + row * size
            body.append(
                f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="2"/>'
            )
            color = INK if light else "#ffffff"
            body.append(_text(x + size / 2, y + size / 2, count, font_size="20", fill=color))
            body.append(_text(x + size / 2, y + size / 2 + 20, f"{share:.0%}", fill=color))
    desc = (
        f"Of {total} held-out passengers: {tn} correctly predicted to die, {tp} correctly "
        f"predicted to survive, {fp} wrongly predicted to survive, {fn} wrongly predicted to die."
    )
    return _svg(left + 2 * size + 10, top + 2 * size + 10, "Confusion matrix", desc, body, "cm")


def roc_curve_svg(points: Sequence[tuple[float, float]], auc: float | None = None) -> Markup:
    """ROC curve from (false positive rate, true positive rate) points."""
    frame = _UnitFrame()
    ordered = sorted((min(max(f, 0.0), 1.0), min(max(t, 0.0), 1.0)) for f, t in points)
    body = frame.axes("False positive rate", "True positive rate")
    if ordered:
        body.append(frame.polyline([(0.0, 0.0), *ordered, (1.0, 1.0)], BLUE))
    if auc is not None:
        body.append(_text(frame.x(0.95), frame.y(0.06), f"AUC {auc:.3f}", anchor="end"))
    desc = f"ROC curve with {len(ordered)} points" + (
        f", area under the curve {auc:.3f}." if auc is not None else "."
    )
    return _svg(frame.width, frame.height, "ROC curve", desc, body, "roc")


def calibration_svg(bins: Sequence[tuple[float, float, int]]) -> Markup:
    """Reliability diagram from (mean predicted, fraction positive, count) per bin."""
    frame = _UnitFrame()
    used = [(p, f, n) for p, f, n in bins if n > 0]
    body = frame.axes("Mean predicted probability", "Fraction that survived")
    if used:
        body.append(frame.polyline([(p, f) for p, f, _ in used], ORANGE))
        for p, f, n in used:
            radius = 3 + min(math.sqrt(n), 6)
            body.append(
                f'<circle cx="{_fmt(frame.x(p))}" cy="{_fmt(frame.y(f))}" '
                f'r="{_fmt(radius)}" fill="{ORANGE}" fill-opacity="0.8"/>'
            )
    desc = (
        f"Calibration over {len(used)} probability bins; the dashed diagonal is perfect "
        "calibration, larger dots hold more passengers."
    )
    return _svg(frame.width, frame.height, "Calibration plot", desc, body, "cal")


def histogram_svg(
    feature: str,
    labels: Sequence[str],
    reference: Sequence[float],
    current: Sequence[float],
) -> Markup:
    """Reference vs recent distribution of one feature as paired bars of shares."""

    def shares(values: Sequence[float]) -> list[float]:
        total = sum(values)
        return [v / total if total else 0.0 for v in values]

    ref, cur = shares(reference), shares(current)
    count = max(len(labels), 1)
    # Long bin labels ("7.9-14.5") would overlap side by side, so they are slanted.
    slanted = any(len(label) > 6 for label in labels)
    width, left, top = 360, 40, 24
    bottom = 62 if slanted else 40
    height = 150 + bottom
    slot = (width - left - 10) / count
    peak = max([*ref, *cur, 0.01])
    scale = (height - top - bottom) / peak
    body = [
        f'<rect x="{left}" y="4" width="10" height="10" fill="{BLUE}"/>',
        _text(left + 14, 13, "training data", anchor="start"),
        f'<rect x="{left + 110}" y="4" width="10" height="10" fill="{ORANGE}"/>',
        _text(left + 124, 13, "recent inputs", anchor="start"),
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="{MUTED}"/>',
        _text(left - 6, top + 4, f"{peak:.0%}", anchor="end"),
        _text(left - 6, height - bottom + 4, "0%", anchor="end"),
    ]
    for i, label in enumerate(labels):
        x = left + i * slot
        bar = max(slot / 2 - 3, 1)
        for offset, values, color in ((1, ref, BLUE), (1 + bar, cur, ORANGE)):
            value = values[i] if i < len(values) else 0.0
            h = value * scale
            body.append(
                f'<rect x="{_fmt(x + offset)}" y="{_fmt(height - bottom - h)}" '
                f'width="{_fmt(bar)}" height="{_fmt(h)}" fill="{color}"/>'
            )
        lx, ly = x + slot / 2, height - bottom + 15
        if slanted:
            turn = f"rotate(-35 {_fmt(lx)} {_fmt(ly)})"
            body.append(_text(lx, ly, label, anchor="end", font_size="10", transform=turn))
        else:
            body.append(_text(lx, ly, label, font_size="10"))
    desc = f"Share of passengers per {feature} value, training data against recent inputs."
    return _svg(width, height, f"Distribution of {feature}", desc, body, f"h-{feature}")


def p_values_svg(p_values: dict[str, float], threshold: float) -> Markup:
    """Evidence of drift per feature: bars of -log10(p), red past the threshold line.

    Drawing -log10(p) makes the drifted features the long bars; a p-value of 0.05
    would otherwise be a sliver next to 0.9.
    """
    floor = 1e-6
    names = sorted(p_values)
    width, row, left, right = 440, 24, 110, 70
    height = row * len(names) + 40
    span = width - left - right

    def x(p: float) -> float:
        return left + min(-math.log10(max(p, floor)), 6) / 6 * span

    body = []
    for i, name in enumerate(names):
        p = p_values[name]
        y = 8 + i * row
        color = RED if p < threshold else GREEN
        shown = f"<{floor:g}" if p < floor else f"{p:.3g}"
        body.append(_text(left - 8, y + 14, name, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{_fmt(max(x(p) - left, 2))}" '
            f'height="{row - 8}" fill="{color}"/>'
        )
        body.append(_text(max(x(p), left + 2) + 4, y + 14, shown, anchor="start"))
    base = height - 28
    for tick in (1, 1e-2, 1e-4, 1e-6):
        body.append(_text(x(tick), base + 16, f"p={tick:g}", font_size="10"))
    body.append(
        f'<line x1="{_fmt(x(threshold))}" y1="4" x2="{_fmt(x(threshold))}" y2="{base}" '
        f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
    )
    drifted = [n for n in names if p_values[n] < threshold]
    desc = f"p-values per feature against threshold {threshold:.3g}; " + (
        f"below threshold: {', '.join(drifted)}." if drifted else "none below threshold."
    )
    return _svg(width, height, "Drift p-values per feature", desc, body, "pv")


def probability_bar_svg(probability: float) -> Markup:
    """A horizontal gauge from 0% to 100% filled up to the survival probability."""
    p = min(max(probability, 0.0), 1.0)
    width, height, left, bar = 400, 56, 10, 380
    color = GREEN if p >= 0.5 else RED
    body = [
        f'<rect x="{left}" y="6" width="{bar}" height="24" rx="4" fill="#eaeef2"/>',
        f'<rect x="{left}" y="6" width="{_fmt(bar * p)}" height="24" rx="4" fill="{color}"/>',
        f'<line x1="{left + bar / 2}" y1="2" x2="{left + bar / 2}" y2="34" stroke="{MUTED}"/>',
        _text(left, 50, "0%", anchor="start"),
        _text(left + bar / 2, 50, "50%"),
        _text(left + bar, 50, "100%", anchor="end"),
    ]
    desc = f"Survival probability {p:.0%}."
    return _svg(width, height, "Survival probability", desc, body, "prob")


def contributions_svg(items: Sequence[tuple[str, float]]) -> Markup:
    """Diverging bars: green pushes toward survival, red away from it."""
    width, row, mid = 420, 26, 260
    height = row * len(items) + 10
    peak = max([abs(v) for _, v in items] + [1e-9])
    half = 140
    body = [f'<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="{MUTED}"/>']
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        length = abs(value) / peak * (half - 10)
        x = mid if value >= 0 else mid - length
        color = GREEN if value >= 0 else RED
        body.append(_text(mid - half - 6, y + 15, label, anchor="end"))
        body.append(
            f'<rect x="{_fmt(x)}" y="{y + 3}" width="{_fmt(length)}" height="{row - 8}" '
            f'fill="{color}"/>'
        )
    desc = "; ".join(f"{label}: {value:+.3f}" for label, value in items)
    return _svg(width, height, "Main reasons", desc or "No reasons given.", body, "why")
