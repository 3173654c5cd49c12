"""Vectorised validation of a block of CSV lines: the rows that certainly keep the contract.

Per-row pydantic validation costs about 10 µs a row. Here polars parses a whole block and
checks every column at once; a row is accepted only when both hold:
- its line is exactly the minimal-quoting CSV of its parsed cells, so Python's csv reader
  would have read the same cells (same field count, same quoting);
- every cell is in a canonical form (plain decimals, exact enum values, text without
  control characters or surrounding whitespace) that the contract model would accept
  unchanged, within the bounds read off `PassengerRow` itself.
Every other line is handed back for the model to decide, with its reason. So this path
only accepts sooner, never differently; tests/ingest/test_fastpath.py checks that on
generated hostile rows.
"""

from __future__ import annotations

import io
import types
import typing
from dataclasses import dataclass

import annotated_types as at
import polars as pl

from titanic_common.ingest.contract import FIELDS, PassengerRow

# Canonical forms. Anything else (spaces, signs, exponents, leading zeros, quotes, case
# variants) goes to the model, which decides and explains.
_INT = r"^(0|[1-9][0-9]{0,9})$"
_FLOAT = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,17})?$"
# No control characters; first and last character printable ASCII, so strip() would
# change nothing (Python and Rust disagree on what else is whitespace).
_TEXT = r"^[!-~]([^\x00-\x1f\x7f]*[!-~])?$"


@dataclass(frozen=True)
class _Rule:
    kind: str  # "int", "float", "text" or "choice"
    required: bool
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    min_len: int | None = None
    max_len: int | None = None
    choices: tuple[str, ...] = ()


def _rule(name: str) -> _Rule:
    """The field's type, optionality and bounds, read off the contract model."""
    info = PassengerRow.model_fields[name]
    annotation = info.annotation
    args = [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = list(typing.get_args(annotation))
    # Missing may be written as empty only where the model stores None for it.
    nullable = type(None) in args and not info.is_required() and info.default is None
    (base,) = [a for a in args if a is not type(None)]
    bounds: dict = {}
    for meta in info.metadata:
        if isinstance(meta, at.Ge):
            bounds["low"] = meta.ge
        elif isinstance(meta, at.Gt):
            bounds["low"], bounds["low_inclusive"] = meta.gt, False
        elif isinstance(meta, at.Le):
            bounds["high"] = meta.le
        elif isinstance(meta, at.MinLen):
            bounds["min_len"] = meta.min_length
        elif isinstance(meta, at.MaxLen):
            bounds["max_len"] = meta.max_length
        else:
            raise TypeError(f"{name}: no vectorised check for {meta!r}")
    if typing.get_origin(base) is typing.Literal:
        return _Rule("choice", not nullable, choices=typing.get_args(base), **bounds)
    kinds = {int: "int", float: "float", str: "text"}
    if base not in kinds:
        raise TypeError(f"{name}: no vectorised check for {base!r}")
    return _Rule(kinds[base], not nullable, **bounds)


RULES: dict[str, _Rule] = {name: _rule(name) for name in FIELDS}


def _value_ok(name: str, column: str) -> pl.Expr:
    """True where the cell is missing-and-allowed or canonical and within bounds."""
    rule, cell = RULES[name], pl.col(column)
    if rule.kind == "choice":
        ok = cell.is_in(list(rule.choices))
    elif rule.kind == "text":
        length = cell.str.len_chars()
        ok = cell.str.contains(_TEXT) & length.is_between(rule.min_len or 0, rule.max_len or 2**62)
    elif rule.kind == "int" and _small(rule):
        # Its canonical spellings are a set lookup, cheaper than parsing.
        low = int(rule.low) + (0 if rule.low_inclusive else 1)
        ok = cell.is_in([str(n) for n in range(low, int(rule.high) + 1)])
    else:
        number = pl.Int64 if rule.kind == "int" else pl.Float64
        ok = cell.str.contains(_INT if rule.kind == "int" else _FLOAT)
        ok &= _within(cell.cast(number, strict=False), rule)
    ok = ok.fill_null(False)
    return cell.is_null() | ok if not rule.required else cell.is_not_null() & ok


def _small(rule: _Rule) -> bool:
    return rule.low is not None and rule.high is not None and rule.high - rule.low < 1000


def _within(value: pl.Expr, rule: _Rule) -> pl.Expr:
    ok = pl.lit(True)
    if rule.low is not None:
        ok &= value >= rule.low if rule.low_inclusive else value > rule.low
    if rule.high is not None:
        ok &= value <= rule.high
    return ok


def _is_text(name: str) -> bool:
    return RULES[name].kind == "text"


def _canonical_csv(column: str) -> pl.Expr:
    """The cell as csv.writer (minimal quoting) would write it; missing is empty."""
    cell = pl.col(column).fill_null("")
    quoted = pl.lit('"') + cell.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return pl.when(cell.str.contains(r'[",\r\n]')).then(quoted).otherwise(cell)


@dataclass
class BlockSplit:
    """`accepted`: FIELDS as strings plus the line's `text`, `line` (0-based in the block)
    and `pid` (int); `others`: (0-based line, text) of every other line, for the contract
    model. `verbatim`: the block is, byte for byte, its accepted rows in FIELDS order."""

    accepted: pl.DataFrame
    others: list[tuple[int, str]]
    verbatim: bool = False


def _screened(block: bytes) -> bool:
    """False when the block holds what only the line reader handles exactly: NUL bytes,
    carriage returns other than in CRLF line ends, a byte-order mark at the start. (Blank
    lines need no search: the row count or the round trip shows them.)"""
    # polars drops a byte-order mark at the start of its input; Python keeps it.
    if b"\x00" in block or block.startswith(b"\xef\xbb\xbf"):
        return False
    if b"\r" in block:
        return block.count(b"\r") == block.count(b"\r\n") and b"\n\r\n" not in block
    return True


def _parse(data: bytes, width: int) -> pl.DataFrame | None:
    """Cells c0..c{width-1} as text (missing trailing cells are null, extra ones dropped:
    both fail the round trip), or None where polars cannot parse the data."""
    try:
        return pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            schema={f"c{i}": pl.String for i in range(width)},
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return None


def _lines(block: bytes) -> pl.Series | None:
    """The block's lines as text (CRLF ends stripped), or None where it is not UTF-8."""
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return (
        pl.read_csv(
            io.BytesIO(block),
            has_header=False,
            separator="\x00",  # absent (screened): one column holding the whole line
            quote_char=None,
            schema={"text": pl.String},
        )
        .to_series()
        .fill_null("")
    )  # a blank line reads as missing


def _canonical_line(fields: list[str | None]) -> pl.Expr:
    """The row as csv.writer (minimal quoting) writes it. Cells of non-text columns that
    pass their check hold no quote, comma or newline, so there the cell itself serves."""
    cells = [
        _canonical_csv(f"c{i}") if not field or _is_text(field) else pl.col(f"c{i}").fill_null("")
        for i, field in enumerate(fields)
    ]
    return pl.concat_str(cells, separator=",")


def _all_ok(fields: list[str | None]) -> pl.Expr:
    """Every mapped cell of the row passes its check."""
    return pl.all_horizontal(
        [_value_ok(field, f"c{i}") for i, field in enumerate(fields) if field]
    ).alias("ok")


def _fits(lines: pl.Series, block: bytes, max_line_bytes: int) -> bool:
    """No line is longer than the line reader allows. It counts the CR of a CRLF end (the
    texts here have it stripped), so with CRs about the limit is one byte lower; a line
    that only might be too long sends the block to the line reader, which is exact."""
    limit = max_line_bytes - 1 if b"\r" in block else max_line_bytes
    return (lines.str.len_bytes().max() or 0) <= limit


def split_block(block: bytes, fields: list[str | None], max_line_bytes: int) -> BlockSplit | None:
    """Rows of `block` that certainly keep the contract, and the rest; None when the
    whole block must go through the line reader."""
    if not _screened(block):
        return None
    count = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    cells = _parse(block, len(fields))
    if cells is not None and len(cells) == count:
        judged = (
            cells.lazy()
            .with_columns(_canonical_line(fields).alias("text"), _all_ok(fields))
            .with_columns(line=pl.int_range(count))
            .collect()
        )
        # Usually the whole block is exactly the canonical CSV of its cells: one
        # comparison shows that every row round-trips and lines align with rows.
        text = judged["text"]
        joined = text.str.join("\n").item() + ("\n" if block.endswith(b"\n") else "")
        if joined.encode() == block and _fits(text, block, max_line_bytes):
            split = _verdict(judged, fields, pl.DataFrame(schema=_OTHERS))
            split.verbatim = not split.others and tuple(fields) == FIELDS
            return split
    return _split_by_line(block, fields, max_line_bytes, count)


_OTHERS = {"text": pl.String, "line": pl.Int64}


def _split_by_line(
    block: bytes, fields: list[str | None], max_line_bytes: int, count: int
) -> BlockSplit | None:
    """Like split_block, checking the round trip line by line (odd quoting, ragged rows,
    CRLF line ends)."""
    lines = _lines(block)
    if lines is None or len(lines) != count or not _fits(lines, block, max_line_bytes):
        return None
    # A line with an odd number of quotes would make the CSV parser merge it with the
    # next; such lines go to the model (which rejects them) and are parsed out.
    frame = pl.DataFrame({"text": lines, "line": pl.int_range(count, eager=True)})
    balanced = frame["text"].str.count_matches('"', literal=True) % 2 == 0
    parseable = frame.filter(balanced)
    cells = _parse("\n".join(parseable["text"]).encode(), len(fields))
    if cells is None or len(cells) != len(parseable):
        return None
    judged = (
        cells.with_columns(parseable["text"], parseable["line"])
        .lazy()
        .with_columns(_all_ok(fields) & (_canonical_line(fields) == pl.col("text")))
        .collect()
    )
    return _verdict(judged, fields, frame.filter(~balanced))


def _verdict(judged: pl.DataFrame, fields: list[str | None], unparsed: pl.DataFrame) -> BlockSplit:
    """Accepted rows in FIELDS order, and the others (`unparsed` among them) by line."""
    by_field = {field: f"c{i}" for i, field in enumerate(fields) if field}
    ok = judged["ok"]
    accepted = (judged if ok.all() else judged.filter(ok)).select(
        *(
            pl.col(by_field[f]).alias(f) if f in by_field else pl.lit(None, pl.String).alias(f)
            for f in FIELDS
        ),
        pl.col("text"),
        pl.col("line"),
        pl.col(by_field["passenger_id"]).cast(pl.Int64).alias("pid"),
    )
    rejected = unparsed.vstack(judged.filter(~ok).select("text", "line"))
    others = sorted(zip(rejected["line"], rejected["text"], strict=True))
    return BlockSplit(accepted=accepted, others=others)
