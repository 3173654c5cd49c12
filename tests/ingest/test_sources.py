"""Downloading from the GCS emulator: checksums recorded and verified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from titanic_common.ingest.sources import ChecksumMismatchError, download, list_objects
from titanic_common.storage import gcs_filesystem

DATA = b"PassengerId,Pclass\n1,3\n" * 1000


@pytest.fixture
def stored(gcs_emulator: dict[str, str]):
    fs = gcs_filesystem(gcs_emulator["GCS_PROJECT"], gcs_emulator["STORAGE_EMULATOR_HOST"])
    bucket = gcs_emulator["GCS_BUCKET"]
    fs.pipe_file(f"{bucket}/sources-test/a.csv", DATA)
    (obj,) = list_objects(fs, bucket, "sources-test/")
    yield fs, obj
    fs.rm(f"{bucket}/sources-test/a.csv")


def test_download_records_sha256_and_verifies_the_storage_checksum(stored, tmp_path: Path):
    fs, obj = stored
    assert obj.crc32c  # the storage reports one; that is what the download checks
    got = download(fs, obj, tmp_path / "a.csv")
    assert got.sha256 == hashlib.sha256(DATA).hexdigest()
    assert (tmp_path / "a.csv").read_bytes() == DATA


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ({"crc32c": "AAAAAA=="}, "crc32c"),
        ({"crc32c": None, "md5": "AAAAAAAAAAAAAAAAAAAAAA=="}, "md5"),  # no crc32c: md5 used
        ({"size": len(DATA) + 1}, "size"),
    ],
)
def test_a_download_that_does_not_match_the_listing_is_refused(
    stored, tmp_path: Path, tamper: dict, named: str
):
    fs, obj = stored
    with pytest.raises(ChecksumMismatchError, match=named):
        download(fs, obj.model_copy(update=tamper), tmp_path / "a.csv")
