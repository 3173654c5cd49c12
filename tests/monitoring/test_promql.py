"""The metric-name tokenizer the dashboard and rule checks rely on."""

from __future__ import annotations

import pytest

from tests.monitoring.promql import metric_names


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("up", {"up"}),
        ('up{job="model"} == 0', {"up"}),
        ("sum by (job, le) (rate(a_bucket[5m]))", {"a_bucket"}),
        ("max without (instance) (b) * on (job) group_left (version) c", {"b", "c"}),
        ('rate(d_total{status=~"5..", handler="/x{y}"}[5m] offset 1h)', {"d_total"}),
        ("job:http_requests:rate5m / ignoring (status) e", {"job:http_requests:rate5m", "e"}),
        ("(f or vector(0)) / sum(g) > bool 0.5", {"f", "g"}),
        ("time() - max(h) > 26 * 3600 and absent(i)", {"h", "i"}),
        ("histogram_quantile(0.99, sum(rate(j_bucket[5m:1m])))", {"j_bucket"}),
        ("topk(5, k) unless count(l) < 1e3", {"k", "l"}),
    ],
)
def test_metric_names_finds_exactly_the_selected_metrics(expr: str, expected: set[str]) -> None:
    assert metric_names(expr) == expected
