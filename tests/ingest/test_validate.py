"""The CSV contract: which rows load, which are rejected and why, which files are refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.ingest.conftest import BAD_ROWS, GOOD_ROWS, HEADER, read_valid, write_csv
from titanic_common.ingest.contract import FIELDS
from titanic_common.ingest.validate import FileContractError, validate_file


def run(src: Path, **kwargs):
    valid, rejects = src.with_suffix(".valid"), src.with_suffix(".rejects")
    summary = validate_file(src, valid, rejects, **kwargs)
    records = [dict(zip(FIELDS, rec, strict=True)) for rec in read_valid(valid)]
    with rejects.open(newline="") as r:
        return summary, records, list(csv.reader(r))


def test_good_rows_all_pass_with_missing_values_as_empty(good_csv: Path) -> None:
    summary, valid, rejects = run(good_csv)
    assert (summary.rows_total, summary.rows_valid, summary.rows_rejected) == (4, 4, 0)
    assert rejects == []
    palsson = valid[3]
    assert palsson["passenger_id"] == "4"
    assert palsson["survived"] == palsson["age"] == palsson["embarked"] == palsson["cabin"] == ""
    assert valid[0]["name"] == "Braund, Mr. Owen Harris"


def test_each_bad_row_is_rejected_with_line_raw_text_and_reason(mixed_csv: Path) -> None:
    summary, valid, rejects = run(mixed_csv)
    assert summary.rows_total == len(GOOD_ROWS) + len(BAD_ROWS)
    assert summary.rows_valid + summary.rows_rejected == summary.rows_total
    assert [r["passenger_id"] for r in valid] == ["1", "2", "3", "4"]
    assert len(rejects) == len(BAD_ROWS)
    first_bad_line = 2 + len(GOOD_ROWS)
    for offset, (kind, (raw, reason_part)) in enumerate(BAD_ROWS.items()):
        line, text, reason = rejects[offset]
        assert int(line) == first_bad_line + offset, kind
        assert text == raw, kind
        assert reason_part in reason, f"{kind}: {reason}"


def test_column_order_is_free_and_survived_optional(tmp_path: Path) -> None:
    header = "Name,Sex,PassengerId,Pclass,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked,Extra"
    row = '"Braund, Mr. Owen Harris",male,7,3,22,1,0,A/5 21171,7.25,,S,ignored'
    summary, valid, _ = run(write_csv(tmp_path / "f.csv", header, [row]))
    assert summary.rows_valid == 1
    assert (valid[0]["passenger_id"], valid[0]["survived"], valid[0]["pclass"]) == ("7", "", "3")
    assert valid[0]["name"] == "Braund, Mr. Owen Harris"


def test_header_missing_a_required_column_names_it(tmp_path: Path) -> None:
    header = HEADER.replace(",Sex", "")
    src = write_csv(tmp_path / "f.csv", header, ['1,0,3,"A, Mr. B",22,1,0,T,7.25,,S'])
    with pytest.raises(FileContractError, match=r"missing required column.*Sex"):
        run(src)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (HEADER.encode() + b'\n1,0,3,"M\xfcller, Mr. A",male,1,0,0,T,1,,S\n', "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
    ids=["empty", "latin-1", "binary"],
)
def test_malformed_files_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
) -> None:
    src = tmp_path / "f.csv"
    src.write_bytes(content)
    with pytest.raises(FileContractError, match=message):
        run(src)


def test_huge_line_is_rejected_alone(tmp_path: Path) -> None:
    huge = '5,0,3,"' + "x" * 5000 + ', Mr. A",male,1,0,0,T,1,,S'
    src = write_csv(tmp_path / "f.csv", HEADER, [GOOD_ROWS[0], huge, GOOD_ROWS[1]])
    summary, _, rejects = run(src, max_line_bytes=1024)
    assert summary.rows_valid == 2 and summary.rows_rejected == 1
    assert rejects[0][0] == "3" and "longer than 1024 bytes" in rejects[0][2]


def test_bom_crlf_and_blank_lines_are_tolerated(tmp_path: Path) -> None:
    src = tmp_path / "f.csv"
    src.write_bytes(("\ufeff" + HEADER + "\r\n" + GOOD_ROWS[0] + "\r\n\r\n").encode())
    summary, valid, _ = run(src)
    assert summary.rows_total == 1 and valid[0]["passenger_id"] == "1"
