"""Read one export file into an all-string Arrow table, plus what was detected.

CSV/TSV files are transcoded to UTF-8 in chunks (encoding cascade, see
:mod:`horetsu.io.encoding`) and parsed by ``pyarrow.csv`` single-threaded so that
every malformed record (wrong number of fields) is reported with its record
number and raw text instead of stopping the read.  Parquet files are read as
they are and their columns turned into strings so that every preset sees the
same kind of input.

``Source.lines[i]`` is the record number of row ``i`` in the file (the header
is record 1); it equals the physical line number unless a quoted field spans lines.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from horetsu.errors import InputFileError, MissingFileError
from horetsu.io import encoding as enc
from horetsu.io.normalize import fold

CHUNK = 8 << 20
HEAD = 64 << 10
REPLACEMENT = "\ufffd"


@dataclass
class Invalid:
    """A record the parser could not split into the header's columns."""

    line: int
    raw: str
    kind: str
    reason: str


@dataclass
class Source:
    path: Path
    table: pa.Table  # string columns named by the folded header
    headers: list[str]  # header cells as written in the file
    lines: np.ndarray  # record number of each row
    invalid: list[Invalid] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    format: str = "csv"

    @property
    def read(self) -> int:
        return self.table.num_rows + len(self.invalid)

    def detected(self) -> dict[str, str]:
        return {"format": self.format, "encoding": self.encoding, "delimiter": repr(self.delimiter)[1:-1]}



@contextlib.contextmanager
def _quiet_unraisable():
    """Keep pyarrow's "Exception ignored" noise off stderr.

    pyarrow decodes a malformed record's text before calling the invalid-row handler;
    when those bytes are not UTF-8 the decode error is reported as "unraisable" and the
    parse fails, after which the file is decoded with the cascade and parsed again.  The
    user must not see a traceback for that internal retry.
    """
    previous = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        yield
    finally:
        sys.unraisablehook = previous

def _not_a_table(path: Path, why_en: str, why_ja: str) -> InputFileError:
    return InputFileError(f"{path}: not a table ({why_en})", ja=f"{path}: 表形式のファイルではありません（{why_ja}）")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise MissingFileError(f"{path}: file not found", ja=f"{path}: ファイルが見つかりません")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a file", ja=f"{path}: ファイルではなくフォルダです")


def transcode(path: Path, encodings: list[str]) -> tuple[bytes, str, bool]:
    """The file as UTF-8 bytes, the encoding used, and whether bytes had to be replaced."""
    for name in encodings:
        out = io.BytesIO()
        dec = codecs.getincrementaldecoder(name)("strict")
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    out.write(dec.decode(chunk).encode("utf-8"))
                out.write(dec.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError:
            continue
        return out.getvalue(), name, False
    raw = path.read_bytes()
    name = enc.least_damaging(raw, encodings)
    return raw.decode(name, errors="replace").encode("utf-8"), name, True


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            n = f"{n}#{seen[n]}"
        else:
            seen[n] = 1
        out.append(n)
    return out


def header_key(names: list[str]) -> list[str]:
    """Header cells folded for matching (NFKC where safe, trimmed, quotes and BOM removed)."""
    arr = pa.array([n.replace("\ufeff", "").strip().strip('"') for n in names], pa.string())
    return [x or "" for x in fold(arr).to_pylist()]


def _sniff(text_head: str, suffix: str) -> str:
    first = text_head.split("\n", 1)[0]
    if suffix in (".tsv", ".tab") or first.count("\t") > first.count(","):
        return "\t"
    return ","


def _slow_parse(text: str, delimiter: str, ncols: int) -> tuple[list[list[str]], list[int], list[Invalid]]:
    """Line-by-line fallback for files pyarrow cannot split (broken quoting)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    invalid: list[Invalid] = []
    for no, line in enumerate(text.split("\n")[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter, strict=True))
        except (csv.Error, StopIteration):
            invalid.append(Invalid(no, line, "parse", "broken quoting"))
            continue
        if len(cells) != ncols:
            invalid.append(Invalid(no, line, "columns", f"expected {ncols} fields, found {len(cells)}"))
            continue
        rows.append(cells)
        lines.append(no)
    return rows, lines, invalid


def _drop_blank(table: pa.Table, lines: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    if table.num_rows == 0 or table.num_columns == 0:
        return table, lines
    first_empty = pc.equal(pc.utf8_trim_whitespace(table.column(0)), "")
    if not pc.any(first_empty).as_py():
        return table, lines
    blank = None
    for col in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(col), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    blank_np = np.asarray(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), dtype=bool)
    if not blank_np.any():
        return table, lines
    keep = ~blank_np
    return table.filter(pa.array(keep)), lines[keep]


def _record_numbers(n_valid: int, invalid_lines: list[int]) -> np.ndarray:
    """Record numbers of the valid rows given the record numbers of the skipped ones."""
    base = np.arange(n_valid, dtype=np.int64) + 2
    if not invalid_lines:
        return base
    s = np.sort(np.asarray(invalid_lines, dtype=np.int64))
    t = s - np.arange(len(s))  # position among valid rows before which each invalid record sits
    before = np.searchsorted(t, base, side="right")
    return base + before


def read_parquet(path: Path) -> Source:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise _not_a_table(path, f"unreadable Parquet: {exc}", f"Parquet を読めません: {exc}") from None
    cols = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            if col.type.tz is None:
                col = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
            else:
                col = pc.strftime(col.cast(pa.timestamp("us", tz="UTC")), format="%Y-%m-%dT%H:%M:%S+00:00")
        elif pa.types.is_date(col.type):
            col = pc.strftime(col, format="%Y-%m-%d")
        col = col.cast(pa.string())
        cols.append(col)
    headers = list(table.column_names)
    names = _unique(header_key(headers))
    out = pa.Table.from_arrays(cols, names=names) if cols else pa.table({})
    out = pa.Table.from_arrays([pc.fill_null(c, "") for c in out.columns], names=names) if cols else out
    return Source(path, out, headers, np.arange(out.num_rows, dtype=np.int64) + 2, [], "parquet", "", "parquet")


def read_source(
    path: Path,
    *,
    delimiter: str | None = None,
    has_header: bool = True,
    column_names: list[str] | None = None,
    transform: Callable[[bytes], bytes] | None = None,
) -> Source:
    """Read ``path`` (CSV, TSV or Parquet) as strings; raise InputFileError when it is no table."""
    path = Path(path)
    _check_path(path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD)
    if not head:
        raise _not_a_table(path, "the file is empty", "空のファイルです")
    if head[:4] == b"PAR1":
        return read_parquet(path)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # a table's header line is text: NUL bytes there mean binary data (a NUL inside a field
    # further down is only an odd character, kept like any other)
    if not utf16 and b"\x00" in head.split(b"\n", 1)[0]:
        raise _not_a_table(path, "binary data", "バイナリデータです")
    whole = len(head) < HEAD
    cands = enc.candidates(head, whole=whole)
    direct = cands[0] in ("utf-8", "utf-8-sig")
    if direct:  # already UTF-8 (as far as the head shows): pyarrow validates the rest
        data, used, replaced = path.read_bytes(), cands[0], False
        if data.startswith(enc.BOM):
            data = data[len(enc.BOM):]
    else:
        data, used, replaced = transcode(path, cands)
    if transform is not None:
        data = transform(data)
    text_head = data[: HEAD * 2].decode("utf-8", errors="ignore")
    if not text_head.strip():
        raise _not_a_table(path, "no rows", "行がありません")
    delim = delimiter or _sniff(text_head, path.suffix.lower())
    if has_header:
        try:
            first = next(csv.reader(io.StringIO(text_head), delimiter=delim))
        except (csv.Error, StopIteration):
            raise _not_a_table(path, "the header line cannot be read", "見出し行を読めません") from None
        headers = [h for h in first]
        if len(headers) < 1 or all(not h.strip() for h in headers):
            raise _not_a_table(path, "the header line is empty", "見出し行が空です")
    else:
        headers = list(column_names or [])
    names = _unique(header_key(headers)) if has_header else list(headers)
    ncols = len(names)
    tmp_names = [f"c{i}" for i in range(ncols)]
    invalid_lines: list[int] = []
    invalid: list[Invalid] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number if row.number is not None and row.number > 0 else -1
        txt = row.text or ""
        if txt.strip(" \t\r\n" + delim) == "":
            invalid_lines.append(number)  # a blank line: skipped, not a row
            invalid.append(Invalid(number, "", "blank", ""))
            return "skip"
        invalid_lines.append(number)
        invalid.append(
            Invalid(number, txt, "columns", f"expected {row.expected_columns} fields, found {row.actual_columns}")
        )
        return "skip"

    def parse(threads: bool) -> pa.Table:
        with _quiet_unraisable():
            return _read(threads)

    def _read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                use_threads=threads, column_names=tmp_names, skip_rows=1 if has_header else 0, block_size=16 << 20
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in tmp_names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        # Parallel first; a file with malformed records is parsed again in one thread,
        # which is what reports their record numbers.
        try:
            table = parse(True)
        except pa.ArrowInvalid as exc:
            if not (direct and "utf8" in str(exc).lower()):
                raise
            # Not UTF-8 after all beyond the head: decode with the cascade and parse again.
            data, used, replaced = transcode(path, cands)
            if transform is not None:
                data = transform(data)
            invalid.clear()
            invalid_lines.clear()
            table = parse(True)
        if invalid:
            invalid.clear()
            invalid_lines.clear()
            table = parse(False)
        if -1 in invalid_lines:
            raise pa.ArrowInvalid("record numbers unknown")
        lines = _record_numbers(table.num_rows, invalid_lines) - (0 if has_header else 1)
        invalid = [i for i in invalid if i.kind != "blank"]
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, UnicodeDecodeError):
        rows, line_list, invalid = _slow_parse(data.decode("utf-8", errors="replace"), delim, ncols)
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in tmp_names]
        table = pa.Table.from_arrays([pa.array(list(c), pa.string()) for c in cols], names=tmp_names)
        lines = np.asarray(line_list, dtype=np.int64)
    table, lines = _drop_blank(table, lines)
    table = table.rename_columns(names)
    if replaced:
        invalid.extend(_take_replaced(table, lines, delim))
        table, lines = _without_replaced(table, lines)
    fmt = "tsv" if delim == "\t" else "csv"
    return Source(path, table, headers, lines, invalid, used, delim, fmt)


def _replaced_mask(table: pa.Table) -> np.ndarray:
    mask = np.zeros(table.num_rows, dtype=bool)
    for col in table.columns:
        m = pc.fill_null(pc.match_substring(col, REPLACEMENT), False)
        mask |= np.asarray(m.to_numpy(zero_copy_only=False), dtype=bool)
    return mask


def _take_replaced(table: pa.Table, lines: np.ndarray, delim: str) -> list[Invalid]:
    mask = _replaced_mask(table)
    out = []
    for i in np.flatnonzero(mask):
        row = [table.column(j)[int(i)].as_py() for j in range(table.num_columns)]
        out.append(Invalid(int(lines[i]), raw_line(row, delim), "encoding", "bytes that are not UTF-8, CP932 or EUC-JP"))
    return out


def _without_replaced(table: pa.Table, lines: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    keep = ~_replaced_mask(table)
    return table.filter(pa.array(keep)), lines[keep]


def raw_line(cells: list[str | None], delim: str = ",") -> str:
    """Cells written back as one CSV record (for the quarantine file)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buf.getvalue()
