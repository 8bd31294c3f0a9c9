"""``manage.py import_network FILE [--dry-run]``: import people, organizations, causes,
interests and ties from CSV, XLSX, a zip of CSVs, GraphML, GEXF or a Kumu JSON blueprint.

The format is detected from the file. Without ``--dry-run`` the file is checked first and
imported in one transaction; with ``--mode all_or_nothing`` (the default) nothing is written
when a row has an error. Duplicates are merged unless ``--duplicates create`` or ``skip``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network_app.exchange.binning import BINNINGS
from network_app.exchange.formats import read_any
from network_app.exchange.importer import (
    DECISIONS,
    MODES,
    ImportOptions,
    Plan,
    import_apply,
    import_plan,
)
from network_app.exchange.tables import KINDS, FileError
from people.models import AuditEvent


class Command(BaseCommand):
    help = "Import a network file (CSV, XLSX, zip of CSVs, GraphML, GEXF, Kumu JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--mode", choices=MODES, default="all_or_nothing")
        parser.add_argument(
            "--binning",
            choices=sorted(BINNINGS),
            default="quantile",
            help="How numeric edge weights become strengths 1..5.",
        )
        parser.add_argument(
            "--duplicates",
            choices=DECISIONS,
            default="merge",
            help="What to do with proposed duplicates.",
        )
        parser.add_argument(
            "--source", default="", help="Label kept with external ids (default: the file name)."
        )
        parser.add_argument(
            "--kind",
            choices=KINDS,
            default="",
            help="What a CSV file holds, when its columns do not tell.",
        )
        parser.add_argument(
            "--max-issues", type=int, default=50, help="How many row problems to print."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            dataset = read_any(data, name=path.name, kind=options["kind"])
        except FileError as exc:
            raise CommandError(exc.message) from exc
        opts = ImportOptions(
            source=(options["source"] or path.stem)[:60],
            binning=options["binning"],
            mode=options["mode"],
            default_decision=options["duplicates"],
        )
        self.stdout.write(
            f"{path.name}: {dataset.format}, "
            + ", ".join(f"{n} {k}" for k, n in dataset.counts().items())
        )
        if options["dry_run"]:
            plan = import_plan(dataset=dataset, options=opts, viewer=None)
            self._report(plan, options["max_issues"])
            self.stdout.write("Dry run: nothing was written.")
            return
        result = import_apply(
            dataset=dataset,
            options=opts,
            viewer=None,
            channel=AuditEvent.Channel.COMMAND,
            filename=path.name,
        )
        self._report(result.plan, options["max_issues"])
        if not result.applied:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))

    def _report(self, plan: Plan, limit: int) -> None:
        for note in plan.dataset.notes + plan.notes:
            self.stdout.write(f"note: {note}")
        for kind, counts in plan.summary().items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
        for dup in plan.duplicates[:limit]:
            self.stdout.write(
                f"duplicate: {dup['where']} {dup['name']} looks like {dup['match_name']} "
                f"({dup['reason']}): {dup['decision']}"
            )
        for issue in plan.issues[:limit]:
            column = f" [{issue.column}]" if issue.column else ""
            self.stdout.write(f"{issue.level}: {issue.where}{column}: {issue.message}")
        if len(plan.issues) > limit:
            self.stdout.write(f"... and {len(plan.issues) - limit} more.")
