"""Tell a file's format from its bytes (and name), and read it into a Dataset."""

from __future__ import annotations

import io
import zipfile

from network_app.exchange import csv_io, graph_io, kumu, xlsx
from network_app.exchange.tables import Dataset, FileError

FORMATS = ("csv", "xlsx", "csv-zip", "graphml", "gexf", "kumu")


def detect_format(data: bytes, name: str = "") -> str:
    """``csv``, ``xlsx``, ``csv-zip``, ``graphml``, ``gexf`` or ``kumu``, from the content
    first (a renamed file is still read right), the file name second."""
    if not data.strip():
        raise FileError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            raise FileError("The file looks like a zip or .xlsx file but is damaged.") from exc
        return "xlsx" if "xl/workbook.xml" in names else "csv-zip"
    head = csv_io.decode(data[:4096]).lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        lowered = head.lower()
        if "<graphml" in lowered:
            return "graphml"
        if "<gexf" in lowered:
            return "gexf"
        raise FileError("This XML file is neither GraphML nor GEXF.")
    if head.startswith(("{", "[")):
        return "kumu"
    lowered_name = name.lower()
    for ext, fmt in ((".graphml", "graphml"), (".gexf", "gexf"), (".json", "kumu")):
        if lowered_name.endswith(ext):
            return fmt
    if lowered_name.endswith((".xls", ".ods", ".numbers")):
        raise FileError("Save the spreadsheet as .xlsx or .csv first.")
    return "csv"


def read_any(data: bytes, *, name: str = "", kind: str = "") -> Dataset:
    """Read a file of any supported format. Raises FileError with plain words."""
    fmt = detect_format(data, name)
    if fmt == "xlsx":
        return xlsx.read_xlsx(data)
    if fmt == "csv-zip":
        return csv_io.read_zip(data)
    if fmt == "graphml":
        return graph_io.read_graphml(data)
    if fmt == "gexf":
        return graph_io.read_gexf(data)
    if fmt == "kumu":
        return kumu.read_kumu(csv_io.decode(data))
    return csv_io.read_csv(data, name=name, kind=kind)
