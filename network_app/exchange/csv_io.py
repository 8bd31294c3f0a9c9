"""CSV in and out: forgiving reading of real spreadsheets, safe writing.

Reading copes with UTF-8 with or without a byte order mark, UTF-16 with a mark, Windows-1252
and Latin-1, comma, semicolon or tab separators, quoted newlines, blank rows and extra columns.
Row numbers are the spreadsheet's (the header is row 1), so a report points at what the
organizer sees. Writing neutralizes cells that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence

from network_app.exchange.tables import (
    COLUMNS,
    Dataset,
    FileError,
    detect_kind,
    neutralize,
    table_rows,
)

# csv's default field limit (128 KiB) is enough for any honest cell; a bigger one is an error.
_FIELD_LIMIT = 1_000_000


def decode(data: bytes) -> str:
    """Text of a file in whatever encoding spreadsheets write: UTF-8 (with or without BOM),
    UTF-16 with BOM, else Windows-1252, else Latin-1 (which accepts any byte)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: the most frequent of , ; tab | outside quotes."""
    header = ""
    in_quotes = False
    for ch in text[:20000]:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            if header.strip():
                break
            header = ""
            continue
        if not in_quotes:
            header += ch
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and records (with spreadsheet row numbers) of CSV text."""
    csv.field_size_limit(_FIELD_LIMIT)
    if "\x00" in text[:4096]:
        raise FileError("This does not look like a text file (it contains binary data).")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if headers is None:
                if any(c.strip() for c in cells):
                    headers = [c.strip() for c in cells]
                    header_row = number
                continue
            records.append((number - header_row + 1, cells))
    except csv.Error as exc:
        raise FileError(f"The file is not valid CSV near row {reader.line_num}: {exc}.") from exc
    if headers is None:
        raise FileError("The file is empty: there is no header row.")
    return headers, records


def read_csv(data: bytes, *, name: str = "", kind: str = "") -> Dataset:
    """Read one CSV file of one kind (``kind`` given, or told by the file name or headers)."""
    dataset = Dataset(format="csv")
    add_csv(dataset, data, name=name, kind=kind)
    return dataset


def add_csv(dataset: Dataset, data: bytes, *, name: str = "", kind: str = "") -> None:
    headers, records = read_records(decode(data))
    found = kind or detect_kind(headers, hint=name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    if found is None:
        raise FileError(
            "Cannot tell what this file holds from its columns ("
            + ", ".join(h for h in headers[:8] if h)
            + "). Use the column names of a template, e.g. display_name and email for people, "
            "source and target for ties."
        )
    table_rows(dataset, found, headers, records)


def read_zip(data: bytes) -> Dataset:
    """A zip of CSV files (such as our own CSV export), one kind per file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileError("The zip file is damaged.") from exc
    dataset = Dataset(format="csv-zip")
    names = [n for n in archive.namelist() if n.lower().endswith(".csv") and "__MACOSX" not in n]
    if not names:
        raise FileError("The zip file holds no .csv files.")
    total = 0
    for entry in names:
        info = archive.getinfo(entry)
        total += info.file_size
        if total > 500_000_000:  # a zip bomb, not a network
            raise FileError("The zip file unpacks to more than 500 MB.")
        data_entry = archive.read(entry)
        headers, records = read_records(decode(data_entry))
        short = entry.rsplit("/", 1)[-1]
        found = detect_kind(headers, hint=short.rsplit(".", 1)[0])
        if found is None:
            dataset.notes.append(f"{short}: skipped (cannot tell what it holds).")
            continue
        if found in dataset.headers:
            dataset.notes.append(f"{short}: a second {found} file; its rows are read too.")
        table_rows(dataset, found, headers, records, sheet=short)
    return dataset


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel reads accents) with formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in headers])
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def template_csv(kind: str) -> bytes:
    """A template for ``kind``: the documented columns and one example row."""
    columns = COLUMNS[kind]
    return write_csv([c.name for c in columns], [[c.example for c in columns]])


def zip_files(files: dict[str, bytes]) -> bytes:
    """A zip archive of named files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()
