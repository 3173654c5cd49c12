"""The stylesheet's colour pairs meet WCAG AA contrast (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "services/ui/ui_service/static/ui.css"


def palette() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", CSS.read_text()))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("ink", "bg"),
        ("muted", "bg"),
        ("muted", "panel"),
        ("link", "bg"),
        ("bad", "bg"),
        ("ok", "bg"),
        ("bad", "bad-bg"),
        ("ink", "warn-bg"),
        ("#ffffff", "brand"),
        ("#ffffff", "link"),
        ("#ffffff", "ok"),
        ("#ffffff", "bad"),
    ],
)
def test_text_colour_pairs_meet_wcag_aa(fg: str, bg: str):
    colours = palette()
    ratio = contrast(colours.get(fg, fg), colours.get(bg, bg))
    assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}"
