"""Validate a downloaded CSV against the contract, streaming, one physical line per row.

Valid rows go to a CSV ready for COPY; each bad row goes to a rejects CSV with its line
number, raw text and reason. Problems that make the whole file untrustworthy (no or bad
header, not UTF-8, binary content) raise `FileContractError` and nothing is written.
Quoted fields may not span lines: a line with an unterminated quote is rejected alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ValidationError

from titanic_common.ingest.contract import (
    HeaderError,
    PassengerRow,
    describe_row_error,
    map_header,
    row_data,
)
from titanic_common.logging import get_logger

log = get_logger(__name__)

MAX_LINE_BYTES = 64 * 1024


class FileContractError(ValueError):
    """The file as a whole breaks the contract; nothing from it may load."""


class ValidationSummary(BaseModel):
    """Counts of one validated file; rows_total = rows_valid + rows_rejected."""

    rows_total: int
    rows_valid: int
    rows_rejected: int


@dataclass
class _Counts:
    total: int = 0
    valid: int = 0
    rejected: int = 0


RAW_PREFIX_CHARS = 200
SNIFF_BYTES = 8192


def _lines(src: IO[bytes], max_bytes: int):
    """(line_number, text, too_long) per physical line, newline stripped.

    A line over `max_bytes` is skipped without being held in memory; its text is a prefix.
    """
    number = 0
    while True:
        chunk = src.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            prefix = chunk[:RAW_PREFIX_CHARS].decode("utf-8", errors="replace")
            while chunk and not chunk.endswith(b"\n"):  # skip the rest of the long line
                chunk = src.readline(max_bytes)
            yield number, prefix + "...", True
            continue
        if b"\x00" in chunk:
            raise FileContractError(f"binary content (NUL byte) on line {number}; not a CSV")
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileContractError(
                f"not UTF-8 text: invalid byte on line {number} at column {exc.start + 1}; "
                "save the file as UTF-8"
            ) from None
        yield number, text.rstrip("\r\n"), False


def _parse(line: str) -> list[str]:
    if line.count('"') % 2:
        raise csv.Error("unterminated quote")
    return next(csv.reader((line,), strict=True))


def _read_header(lines) -> list[str | None]:
    for number, text, too_long in lines:
        if too_long:
            raise FileContractError(f"header line {number} is too long")
        if not text.strip():
            continue
        try:
            return map_header(_parse(text.removeprefix("\ufeff")))
        except (csv.Error, HeaderError) as exc:
            raise FileContractError(str(exc)) from None
    raise FileContractError("file is empty: a header line is required")


def validate_file(
    src: Path, valid_out: Path, rejects_out: Path, max_line_bytes: int = MAX_LINE_BYTES
) -> ValidationSummary:
    """Split `src` into valid rows (`valid_out`) and rejects (`rejects_out`)."""
    counts = _Counts()
    with (
        src.open("rb") as raw,
        valid_out.open("w", newline="", encoding="utf-8") as valid_file,
        rejects_out.open("w", newline="", encoding="utf-8") as rejects_file,
    ):
        if b"\x00" in raw.read(SNIFF_BYTES):
            raise FileContractError("binary content (NUL bytes) at the start; not a CSV file")
        raw.seek(0)
        lines = _lines(raw, max_line_bytes)
        fields = _read_header(lines)
        valid, rejects = csv.writer(valid_file), csv.writer(rejects_file)
        first_seen: dict[int, int] = {}
        for number, text, too_long in lines:
            if not too_long and not text.strip():
                continue
            counts.total += 1
            if too_long:
                row, reason = None, f"line longer than {max_line_bytes} bytes"
            else:
                row, reason = _check_line(text, fields)
            if row is not None and row.passenger_id in first_seen:
                first = first_seen[row.passenger_id]
                row, reason = None, f"duplicate PassengerId {_pid(row)} (first on line {first})"
            if row is None:
                counts.rejected += 1
                rejects.writerow((number, text, reason))
                continue
            first_seen[row.passenger_id] = number
            counts.valid += 1
            valid.writerow(row.as_record())
    summary = ValidationSummary(
        rows_total=counts.total, rows_valid=counts.valid, rows_rejected=counts.rejected
    )
    log.info("file_validated", source=str(src), **summary.model_dump())
    return summary


def _pid(row: PassengerRow | None) -> str:
    return str(row.passenger_id) if row is not None else "?"


def _check_line(text: str, fields: list[str | None]) -> tuple[PassengerRow | None, str]:
    """The row if it keeps the contract, else None and the reason."""
    try:
        cells = _parse(text)
    except csv.Error as exc:
        return None, f"malformed CSV: {exc}"
    if len(cells) != len(fields):
        return None, f"expected {len(fields)} fields, found {len(cells)}"
    try:
        return PassengerRow.model_validate(row_data(fields, cells)), ""
    except ValidationError as exc:
        return None, describe_row_error(exc)
