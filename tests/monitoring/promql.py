"""Metric names the monitoring code may use, and a small PromQL tokenizer to find them.

The tokenizer only needs to tell metric names from everything else in the queries we
write: strings, label matchers, ranges, numbers, functions, aggregations and the label
lists after by / without / on / ignoring / group_left / group_right.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "infra" / "prometheus"
GRAFANA_DIR = ROOT / "infra" / "grafana"
RULE_FILES = (PROMETHEUS_DIR / "rules" / "recording.yml", PROMETHEUS_DIR / "rules" / "alerts.yml")

# The contract in ARCHITECTURE.md: counters with their _total suffix, histograms by base name.
CONTRACT_METRICS = frozenset(
    {
        "prediction_count_total",
        "model_info",
        "drift_count_total",
        "drift_checks_total",
        "drift_detected",
        "drift_p_value",
        "drift_window_observations",
        "drift_observations_dropped_total",
        "feature_store_entities",
        "feature_store_rows_written_total",
        "feature_store_lookups_total",
        "ingest_rows",
        "ingest_last_success_timestamp_seconds",
        "train_last_success_timestamp_seconds",
        "http_requests_total",
    }
)
CONTRACT_HISTOGRAMS = frozenset(
    {
        "prediction_latency_seconds",
        "http_request_duration_seconds",
        "http_request_duration_highr_seconds",
    }
)
# Written by Prometheus itself for every scrape target.
PROMETHEUS_SERIES = frozenset({"up"})
# Proposed to the model service for ModelNotReady (1 when a production model is loaded);
# only alert rules may use it until it is in the contract.
PROPOSED_METRICS = frozenset({"model_ready"})

_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile",
}  # fmt: skip
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2", *_AGGREGATIONS}
_SCANNER = re.compile(
    r"""
    (?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
    |(?P<variable>\$\{?\w+\}?)
    |(?P<number>(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?:[smhdwy]|ms)*)
    |(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
    |(?P<open>[({\[])
    |(?P<close>[)}\]])
    |(?P<other>\S)
    """,
    re.VERBOSE,
)


def _tokens(expr: str) -> list[tuple[str, str]]:
    return [
        (m.lastgroup or "", m.group()) for m in _SCANNER.finditer(expr) if not m.group().isspace()
    ]


def metric_names(expr: str) -> set[str]:
    """Every metric name a PromQL expression selects."""
    tokens = _tokens(expr)
    names: set[str] = set()
    # One entry per open bracket: True when identifiers inside are labels, not metrics.
    label_groups: list[bool] = []
    for i, (kind, text) in enumerate(tokens):
        previous = tokens[i - 1][1] if i > 0 else ""
        following = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if kind == "open":
            label_groups.append(text in "{[" or previous in _GROUPING)
        elif kind == "close" and label_groups:
            label_groups.pop()
        elif (
            kind == "ident"
            and not any(label_groups)
            and text not in _GROUPING | _KEYWORDS
            and following != "("
        ):
            names.add(text)
    return names


def known_metrics() -> set[str]:
    """Contract metrics with histogram series names, plus Prometheus' own `up`."""
    suffixes = ("_bucket", "_sum", "_count")
    histogram_series = {f"{base}{suffix}" for base in CONTRACT_HISTOGRAMS for suffix in suffixes}
    return set(CONTRACT_METRICS) | histogram_series | PROMETHEUS_SERIES


def load_rules() -> list[dict]:
    """Every rule (recording and alerting) in the shipped rule files."""
    rules: list[dict] = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules.extend(group["rules"])
    return rules


def recorded_names() -> set[str]:
    """Names the recording rules create."""
    return {rule["record"] for rule in load_rules() if "record" in rule}
