"""XLSX in (one sheet per kind) and a workbook template out, with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from network_app.exchange.tables import COLUMNS, KINDS, Dataset, FileError, detect_kind, neutralize
from network_app.exchange.tables import table_rows as _table_rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes) -> Dataset:
    """Read every sheet whose name or headers tell its kind; other sheets are noted and skipped."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileError("The spreadsheet is damaged or not an .xlsx file.") from exc
    dataset = Dataset(format="xlsx")
    try:
        for sheet in workbook.worksheets:
            headers: list[str] | None = None
            header_row = 1
            records: list[tuple[int, list[str]]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if headers is None:
                    if any(c.strip() for c in cells):
                        headers = [c.strip() for c in cells]
                        header_row = number
                    continue
                records.append((number - header_row + 1, cells))
            if headers is None:
                continue
            kind = detect_kind(headers, hint=sheet.title)
            if kind is None:
                dataset.notes.append(f"Sheet {sheet.title}: skipped (cannot tell what it holds).")
                continue
            _table_rows(dataset, kind, headers, records, sheet=f"sheet {sheet.title},")
    finally:
        workbook.close()
    if not dataset.row_count and not dataset.headers:
        raise FileError(
            "No sheet of this workbook could be read: name the sheets people, organizations, "
            "affiliations, causes, interests or ties, or use the template's columns."
        )
    return dataset


def template_xlsx() -> bytes:
    """A workbook with one sheet per kind: the documented columns and an example row."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = True
    for kind in KINDS:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = kind
        sheet.append([c.name for c in COLUMNS[kind]])
        sheet.append([neutralize(c.example) for c in COLUMNS[kind]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
