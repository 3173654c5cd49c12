"""The SVG plot functions: well-formed, accessible, and drawing what the data says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ui_service import plots

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.find("s:title", NS) is not None and root.find("s:desc", NS) is not None
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def rects(root: ET.Element) -> list[ET.Element]:
    return list(root.iter("{http://www.w3.org/2000/svg}rect"))


def test_confusion_matrix_shows_every_count_and_its_share():
    root = parse(plots.confusion_matrix_svg([[50, 10], [15, 25]]))
    shown = texts(root)
    for value in ("50", "10", "15", "25", "50%", "10%", "15%", "25%"):
        assert value in shown
    assert "15 wrongly predicted to die" in root.find("s:desc", NS).text


def test_roc_curve_is_ordered_from_origin_to_corner_and_shows_auc():
    root = parse(plots.roc_curve_svg([(0.5, 0.9), (0.1, 0.6)], auc=0.8123))
    line = root.find("s:polyline", NS).get("points").split()
    xs = [float(p.split(",")[0]) for p in line]
    assert len(line) == 4 and xs == sorted(xs)
    assert "AUC 0.812" in texts(root)


def test_calibration_skips_empty_bins():
    root = parse(plots.calibration_svg([(0.1, 0.1, 20), (0.5, 0.0, 0), (0.9, 0.8, 10)]))
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) == 2


def test_histogram_bars_follow_shares_not_raw_counts():
    root = parse(plots.histogram_svg("sex", ["female", "male"], [300, 700], [4, 6]))
    heights = [float(r.get("height")) for r in rects(root)[2:]]  # after the legend swatches
    ref_female, cur_female, ref_male, cur_male = heights
    assert ref_male > cur_male > cur_female > ref_female


def test_histogram_escapes_labels_and_slants_long_ones():
    svg = plots.histogram_svg("x<y", ["<b>7.9-14.45</b>"], [1], [1])
    root = parse(svg)
    assert "<b>" not in svg
    assert any(t.get("transform", "").startswith("rotate") for t in root.iter())


def test_p_values_mark_features_below_threshold():
    root = parse(plots.p_values_svg({"fare": 0.001, "age": 0.6}, threshold=0.05))
    fills = {r.get("fill") for r in rects(root)}
    assert fills == {plots.RED, plots.GREEN}
    assert "below threshold: fare." in root.find("s:desc", NS).text


def test_probability_bar_fills_in_proportion_and_clamps():
    def fill_width(p: float) -> float:
        return float(rects(parse(plots.probability_bar_svg(p)))[1].get("width"))

    assert fill_width(0.25) * 2 == fill_width(0.5)
    assert fill_width(1.7) == fill_width(1.0)
    assert fill_width(-1) == 0


def test_contributions_colour_by_direction():
    root = parse(plots.contributions_svg([("Sex: female", 0.2), ("Age: 60", -0.1)]))
    bars = rects(root)
    assert [b.get("fill") for b in bars] == [plots.GREEN, plots.RED]
    assert float(bars[0].get("width")) == 2 * float(bars[1].get("width"))
    assert re.search(r"Age: 60: -0\.100", root.find("s:desc", NS).text)


def test_stronger_evidence_draws_a_longer_bar_and_tiny_p_values_stay_visible():
    root = parse(plots.p_values_svg({"a": 0.5, "b": 0.01, "c": 1e-12}, threshold=0.05))
    widths = [float(r.get("width")) for r in rects(root)]
    assert 0 < widths[0] < widths[1] < widths[2]
    assert "<1e-06" in texts(root)
