"""The vectorised path accepts sooner, never differently: on any file, validate_file gives
the same counts, the same rejects (line, raw text, reason) and the same stored values
with and without it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.conftest import BAD_ROWS, GOOD_ROWS, HEADER, read_valid, write_csv
from titanic_common.ingest import validate
from titanic_common.ingest.contract import FIELDS
from titanic_common.ingest.fastpath import RULES, split_block
from titanic_common.ingest.validate import FileContractError, validate_file

KAGGLE = list(FIELDS)

# Per column: canonical valid cells, then valid cells the model normalises and bad ones.
# Most generated cells are canonical, so many rows take the vectorised path.
CANONICAL = {
    "PassengerId": ["1", "2", "3", "17", "2147483647"],
    "Survived": ["0", "1", ""],
    "Pclass": ["1", "2", "3"],
    "Name": ['"Braund, Mr. Owen"', "Heikkinen", '"A ""Q"" B"', '"Åberg, Miss. é"'],
    "Sex": ["male", "female"],
    "Age": ["22", "0.42", "120", "22.5", ""],
    "SibSp": ["0", "1", "20"],
    "Parch": ["0", "2", "20"],
    "Ticket": ["A/5 21171", "PC 17599", '"1,2"'],
    "Fare": ["7.25", "0", "10000", "", "71.2833"],
    "Cabin": ["", "C85", "C23 C25"],
    "Embarked": ["S", "C", "Q", ""],
    "Extra": ["", "anything", '"a,b"'],
}
UNUSUAL = {
    "PassengerId": ["2147483648", "0", "01", "-4", " 5", "5.0", ""],
    "Survived": ["2", " 1", "1.0", '"1"'],
    "Pclass": ["4", "03", "three", ""],
    "Name": [" padded ", "", "x" * 201, "é", '""'],
    "Sex": ["Male", " male", "", "other"],
    "Age": ["120.0001", "1e1", "-1", "022", "nan", " 3", "1."],
    "SibSp": ["21", "", "1.0", "+1"],
    "Parch": ["-1", ""],
    "Ticket": ["", "\t", "x" * 101],
    "Fare": ["10000.5", "inf", "7,25", "1E3", "1_000", "0x1A"],
    "Cabin": [" ", "é", "x" * 101, '""'],
    "Embarked": ["s", "X", " S"],
    "Extra": ['"', "x\r"],
}
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\x00"), max_size=8
)


def _row(draw, columns: list[str]) -> str:
    cells = [
        draw(st.sampled_from(CANONICAL[c]))
        if draw(st.integers(0, 99)) < 93
        else draw(st.sampled_from(UNUSUAL[c]) | TEXT)
        for c in columns
    ]
    if draw(st.integers(0, 9)) == 0:  # ragged rows
        cells = cells[: draw(st.integers(0, len(cells)))] or [*cells, "extra"]
    return ",".join(cells)


@st.composite
def files(draw) -> tuple[str, bytes]:
    kaggle = [c for c in CANONICAL if c != "Extra"]
    columns = [c for c in CANONICAL if c not in ("Survived", "Extra")]
    columns += draw(st.sets(st.sampled_from(["Survived", "Extra"])))
    # Often the contract's own header, whose clean files are hard-linked, not copied.
    columns = kaggle if draw(st.booleans()) else draw(st.permutations(columns))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [_row(draw, columns) for _ in range(draw(st.integers(0, 25)))]
    lines += draw(st.lists(st.sampled_from(["", "   ", '1,"open', *GOOD_ROWS]), max_size=3))
    lines = draw(st.permutations(lines))
    if lines and draw(st.integers(0, 9)) == 0:  # a byte-order mark at a line start
        lines[0] = "\ufeff" + lines[0]
    header = ",".join(columns)
    header = draw(st.sampled_from([header, header.lower(), header + "\r"]))
    body = newline.join([header, *lines])
    return body, (body + draw(st.sampled_from(["", newline]))).encode()


def _typed(record: list[str]) -> tuple:
    """A stored row as PostgreSQL reads it: numbers by value, text exactly, empty as NULL."""
    convert = {"int": int, "float": float}
    return tuple(
        None if cell == "" else convert.get(RULES[field].kind, str)(cell)
        for field, cell in zip(FIELDS, record, strict=True)
    )


def _outcome(src: Path, tmp: Path, fast: bool):
    valid, rejects = tmp / f"valid-{fast}", tmp / f"rejects-{fast}"
    try:
        summary = validate_file(src, valid, rejects, max_line_bytes=200, fast=fast)
    except FileContractError as exc:
        return "refused", str(exc)
    stored = sorted((_typed(rec) for rec in read_valid(valid)), key=repr)
    with rejects.open(newline="") as r:
        return summary, stored, list(csv.reader(r))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=files(), block_bytes=st.sampled_from([64, 300, 1 << 20]))
def test_fast_and_model_paths_agree_on_any_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file, block_bytes: int
) -> None:
    _, data = file
    # Small blocks put block edges (and lines over max_line_bytes) everywhere.
    monkeypatch.setattr(validate, "BLOCK_BYTES", block_bytes)
    src = tmp_path / "f.csv"
    src.write_bytes(data)
    assert _outcome(src, tmp_path, fast=True) == _outcome(src, tmp_path, fast=False)


def test_canonical_rows_are_taken_by_the_vectorised_path() -> None:
    block = ("\n".join(GOOD_ROWS) + "\n").encode()
    split = split_block(block, KAGGLE, 1000)
    assert split is not None and split.others == [] and split.verbatim
    assert split.accepted["pid"].to_list() == [1, 2, 3, 4]
    assert split.accepted["name"][0] == "Braund, Mr. Owen Harris"  # unquoted


def test_every_bad_or_unusual_row_is_left_to_the_model() -> None:
    unusual = [
        '5,0,3,"Doe, Mr. X",male, 22,0,0,T,7.25,,S',  # space before the age
        '6,0,3,"Doe, Mr. Y",male,22.0,0,0,T,7,,s',  # lower-case port
    ]
    rows = [raw for kind, (raw, _) in BAD_ROWS.items() if kind != "duplicate id"] + unusual
    block = ("\n".join([GOOD_ROWS[0], *rows]) + "\n").encode()
    split = split_block(block, KAGGLE, 1000)
    assert split is not None and not split.verbatim
    assert split.accepted["pid"].to_list() == [1]
    assert [text for _, text in split.others] == rows


def test_duplicates_across_blocks_name_the_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "BLOCK_BYTES", 100)
    rows = [*GOOD_ROWS, GOOD_ROWS[1].replace("female,38", "female,39"), GOOD_ROWS[0]]
    src = write_csv(tmp_path / "f.csv", HEADER, rows)
    summary = validate_file(src, tmp_path / "v", tmp_path / "r")
    assert (summary.rows_valid, summary.rows_rejected) == (4, 2)
    reasons = [row[2] for row in csv.reader((tmp_path / "r").open())]
    assert reasons == [
        "duplicate PassengerId 2 (first on line 3)",
        "duplicate PassengerId 1 (first on line 2)",
    ]
    assert (summary.passenger_id_min, summary.passenger_id_max) == (1, 4)


def test_a_clean_file_becomes_the_valid_file_without_a_copy(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "f.csv", HEADER, GOOD_ROWS)
    validate_file(src, tmp_path / "valid", tmp_path / "rejects")
    assert (tmp_path / "valid").stat().st_ino == src.stat().st_ino
    assert len(read_valid(tmp_path / "valid")) == len(GOOD_ROWS)


@pytest.mark.parametrize("bad_at", [0, 2, 4])
def test_a_file_that_turns_unclean_midway_keeps_every_valid_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_at: int
) -> None:
    monkeypatch.setattr(validate, "BLOCK_BYTES", 80)  # about one row per block
    bad = BAD_ROWS["age over 120"][0]
    rows = [r.replace(f"{i + 1},", f"{i + 101},", 1) for i, r in enumerate(GOOD_ROWS)]
    src = write_csv(tmp_path / "f.csv", HEADER, [*GOOD_ROWS[:bad_at], bad, *rows])
    assert _outcome(src, tmp_path, fast=True) == _outcome(src, tmp_path, fast=False)
    assert (tmp_path / "valid-True").stat().st_ino != src.stat().st_ino
    assert len(read_valid(tmp_path / "valid-True")) == bad_at + len(rows)


@pytest.mark.parametrize(
    "data",
    [
        # polars drops a byte-order mark at the start of its input; Python keeps it.
        (HEADER + "\n\ufeff" + "\n".join(GOOD_ROWS) + "\n").encode(),
        # A CRLF line is too long one byte earlier for the line reader (it counts the CR).
        (
            HEADER + ",Extra\r\n" + GOOD_ROWS[0] + "," + "x" * (199 - len(GOOD_ROWS[0])) + "\r\n"
        ).encode(),
    ],
    ids=["bom-at-block-start", "crlf-line-at-the-limit"],
)
def test_edges_found_in_review_agree(tmp_path: Path, data: bytes) -> None:
    src = tmp_path / "f.csv"
    src.write_bytes(data)
    assert _outcome(src, tmp_path, fast=True) == _outcome(src, tmp_path, fast=False)


def test_validating_again_into_the_same_paths_leaves_the_source_intact(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "f.csv", HEADER, GOOD_ROWS)
    before = src.read_bytes()
    first = _outcome(src, tmp_path, fast=True)  # links valid-True to the source
    (tmp_path / "valid-False").unlink(missing_ok=True)
    (tmp_path / "valid-True").rename(tmp_path / "valid-False")  # a later try's path
    assert _outcome(src, tmp_path, fast=False) == first
    assert src.read_bytes() == before
