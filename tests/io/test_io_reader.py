"""The reader: encodings, record numbers, malformed records, detection results."""

from __future__ import annotations

import pytest

from horetsu.errors import InputFileError
from horetsu.io.encoding import candidates, detect
from horetsu.io.reader import read_source


def test_cascade_picks_cp932_for_vendor_characters_and_never_shift_jis():
    data = "①㈱髙橋".encode("cp932")
    with pytest.raises(UnicodeEncodeError):
        "①㈱髙橋".encode("shift_jis")  # why shift_jis is never a candidate
    assert detect(data, whole=True) == "cp932"
    assert "shift_jis" not in candidates(data, whole=True)
    assert detect("髙橋".encode("utf-8"), whole=True) == "utf-8"
    assert detect(b"\xef\xbb\xbfabc", whole=True) == "utf-8-sig"
    assert detect("ｱｲｳ高橋です".encode("euc-jp"), whole=True) == "euc-jp"


def test_record_numbers_survive_blank_lines_quoted_newlines_and_bad_records(tmp_path):
    p = tmp_path / "x.csv"
    # record:   1 header, 2 ok, 3 blank, 4 short, 5 quoted newline (2 lines), 6 ok, 7 long
    p.write_text('a,b,c\r\n1,2,3\r\n\r\n4,5\r\n"x\r\ny",1,2\r\n10,11,12\r\n1,2,3,4\r\n', encoding="utf-8")
    src = read_source(p)
    assert src.table.column("a").to_pylist() == ["1", "x\r\ny", "10"]
    assert src.lines.tolist() == [2, 5, 6]
    assert [(i.line, i.raw, i.kind) for i in src.invalid] == [(4, "4,5", "columns"), (7, "1,2,3,4", "columns")]
    assert src.read == 5


def test_header_cells_are_folded_for_matching_but_kept_as_written(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("\ufeff注文者住所：都道府県,ＳＫＵ,sku\r\n東京都,A,B\r\n".encode("utf-8"))
    src = read_source(p)
    assert src.headers == ["注文者住所：都道府県", "ＳＫＵ", "sku"]
    assert src.table.column_names == ["注文者住所:都道府県", "SKU", "sku"]  # unique, matching keys
    assert src.encoding == "utf-8-sig"


def test_undecodable_bytes_quarantine_their_row_only(tmp_path):
    p = tmp_path / "x.csv"
    good = "a,b\r\n髙,1\r\n".encode("cp932")
    p.write_bytes(good + b"\x85\xff\xfe,2\r\n" + "①,3\r\n".encode("cp932"))
    src = read_source(p)
    assert src.table.column("a").to_pylist() == ["髙", "①"]
    assert [(i.line, i.kind) for i in src.invalid] == [(3, "encoding")]


@pytest.mark.parametrize(("data", "what"), [(b"", "empty"), (b"\x00" * 300, "binary"), (b"\r\n\r\n", "no rows")])
def test_not_a_table(tmp_path, data, what):
    p = tmp_path / "x.csv"
    p.write_bytes(data)
    with pytest.raises(InputFileError, match=what) as exc:
        read_source(p)
    assert str(p) in str(exc.value)


def test_nul_bytes_inside_fields_are_kept_not_called_binary(tmp_path):
    # found by the fuzz test: two NUL characters in a short file's fields are odd text, not
    # binary data (a table's header line is text; only NULs there make a file binary)
    p = tmp_path / "x.csv"
    p.write_bytes(b"order_id,customer_id\r\n\x00,\x00\r\nA2,C\x002\r\n")
    src = read_source(p)
    assert src.table.to_pylist() == [{"order_id": "\x00", "customer_id": "\x00"},
                                     {"order_id": "A2", "customer_id": "C\x002"}]
    p.write_bytes(b"order\x00_id,customer_id\r\nA1,C1\r\n")
    with pytest.raises(InputFileError, match="binary"):
        read_source(p)


def test_excel_unicode_text_utf16_tsv(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("注文番号\t金額\r\nA1\t1,280\r\n".encode("utf-16"))
    src = read_source(p)
    assert (src.encoding, src.delimiter) == ("utf-16", "\t")
    assert src.table.to_pylist() == [{"注文番号": "A1", "金額": "1,280"}]
