"""File downloads: CSV cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.http import HttpResponse

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a cell that starts like a formula with ``'`` (CSV/formula injection)."""
    return "'" + cell if cell and cell.startswith(DANGEROUS) else cell


def neutralised_csv(data: bytes) -> tuple[bytes, int]:
    """The CSV with every dangerous cell neutralised (encoding and BOM kept); also its data row count."""
    for enc in ("utf-8-sig", "cp932"):
        try:
            textv = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - the library writes one of the two
        return data, 0
    bom = data.startswith(b"\xef\xbb\xbf")
    newline = "\r\n" if "\r\n" in textv[:4096] else "\n"
    rows = list(csv.reader(io.StringIO(textv)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    for i, row in enumerate(rows):
        writer.writerow(row if i == 0 else [neutralise(c) for c in row])
    encoded = out.getvalue().encode("cp932" if enc == "cp932" else "utf-8", errors="replace")
    return (b"\xef\xbb\xbf" + encoded if bom else encoded), max(len(rows) - 1, 0)


def csv_download(path: Path, filename: str) -> HttpResponse:
    body, rows = neutralised_csv(Path(path).read_bytes())
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Rows"] = str(rows)
    return response
