"""Shared helpers of the import and export tests."""

from __future__ import annotations

from typing import Any

from network_app.exchange.formats import read_any
from network_app.exchange.importer import ImportOptions, ImportResult, import_apply, import_plan
from people.roles import viewer_for


def run_import(
    data: bytes,
    *,
    name: str = "file.csv",
    by: Any = None,
    dry_run: bool = False,
    **options: Any,
) -> Any:
    """Read and plan (dry run) or import a file through the real import path."""
    dataset = read_any(data, name=name)
    opts = ImportOptions(**{"source": name.rsplit(".", 1)[0], **options})
    viewer = viewer_for(by) if by is not None else None
    if dry_run:
        return import_plan(dataset=dataset, options=opts, viewer=viewer)
    result: ImportResult = import_apply(dataset=dataset, options=opts, viewer=viewer, filename=name)
    return result
