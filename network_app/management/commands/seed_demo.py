"""``manage.py seed_demo``: load the deterministic Riverton demo network.

``make run`` calls ``seed_demo --if-empty`` on every start, so the demo loads on first run
only. The network is generated in pure Python first (``network_app.demo.generator``), then
inserted with bulk inserts (``network_app.demo.loader``).
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from network_app.demo import generate_network
from network_app.demo.loader import BATCH_SIZE, load_network
from people.models import Person

DEFAULT_PASSWORD = "smallbatch-demo"  # noqa: S105 - a published demo password, not a secret


class Command(BaseCommand):
    help = (
        "Load a realistic, deterministic demo network (the fictional city of Riverton) into "
        "an empty database, with demo logins for an organizer, a member and an admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=400, help="How many people (default 400)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=7,
            help="Random seed; the same seed gives the same network (default 7).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the database already has people.",
        )
        parser.add_argument(
            "--compute",
            action="store_true",
            help=(
                "Then ask for the first network metrics snapshot and small-batch suggestions "
                "(computed in-process with eager Celery, else by the worker). make run uses it."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Rows per INSERT batch on SQLite (default {BATCH_SIZE}); PostgreSQL uses COPY.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size: int = options["people"]
        if size < 2:
            raise CommandError("--people must be at least 2.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if Person.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has people: demo network not loaded.")
                return
            raise CommandError(
                "The database already has people, and seed_demo only loads into an empty "
                "database. Use --if-empty to skip quietly, or start from a fresh database "
                "(with the embedded default: delete var/smallbatch.sqlite3, then make run)."
            )

        started = time.monotonic()
        self.stdout.write(f"Generating the demo network: {size} people, seed {options['seed']}")
        network = generate_network(people=size, seed=options["seed"])
        self.stdout.write(
            f"{time.monotonic() - started:7.1f}s  generated {len(network.people)} people, "
            f"{len(network.ties)} ties, {len(network.organizations)} organizations"
        )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        logins = load_network(
            network,
            password=password,
            batch_size=options["batch_size"],
            progress=self.stdout.write,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network of {network.city} loaded in {time.monotonic() - started:.1f}s."
            )
        )
        if options["compute"]:
            self._compute_first_results()
        self.stdout.write("Demo logins:")
        for login in logins:
            secret = login.password if login.password is not None else "(existing user, unchanged)"
            who = f" - {login.person_name}" if login.person_name else ""
            self.stdout.write(
                f"  {login.role:<10} username {login.username:<10} password {secret}{who}"
            )

    def _compute_first_results(self) -> None:
        """The dashboard's metrics and the causes' groups and weaving suggestions, so that the
        demo shows them from the first page (the same jobs the nightly schedule runs)."""
        from django.db import transaction

        from causes.models import SuggestionRun
        from causes.suggestions.services import suggestion_run_start
        from network_app.dashboard import snapshot_request
        from network_app.models import NetworkSnapshot

        started = time.monotonic()
        with transaction.atomic():
            snapshot, _ = snapshot_request(trigger=NetworkSnapshot.Trigger.COMMAND)
        with transaction.atomic():
            run = suggestion_run_start(
                by=None,
                include_groups=True,
                include_weaving=True,
                trigger=SuggestionRun.Trigger.SCHEDULE,
            )
        snapshot.refresh_from_db()
        run.refresh_from_db()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{elapsed:7.1f}s  network metrics: {snapshot.get_status_display()}; "
            f"small-batch suggestions: {run.get_status_display()}"
        )
