"""``manage.py import_network FILE [--dry-run]``."""

from __future__ import annotations

import networkx as nx
import pytest
from django.core.management import CommandError, call_command

from network_app.exchange import graph_io
from people.models import AuditEvent, Person, Tie

pytestmark = pytest.mark.django_db


def test_dry_run_then_import_of_a_gexf_file_detected_from_its_content(tmp_path, capsys):
    G = nx.les_miserables_graph()
    path = tmp_path / "lesmis.data"  # no telling extension: detected from the content
    path.write_bytes(graph_io.write_gexf(G))
    call_command("import_network", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "gexf, 77 people, 254 ties" in out
    assert "people: 77 created" in out and "Dry run: nothing was written." in out
    assert Person.objects.count() == 0
    call_command("import_network", str(path))
    assert "Imported: 331 created" in capsys.readouterr().out
    assert (Person.objects.count(), Tie.objects.count()) == (77, 254)
    assert AuditEvent.objects.get(action="import.apply").channel == "command"
    call_command("import_network", str(path))
    assert "0 created, 0 updated, 0 merged, 331 unchanged" in capsys.readouterr().out


def test_a_bad_file_or_bad_rows_fail_with_a_clear_message(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_network", str(missing))
    broken = tmp_path / "broken.graphml"
    broken.write_bytes(b"<graphml><node")
    with pytest.raises(CommandError, match="GraphML"):
        call_command("import_network", str(broken))
    rows = tmp_path / "ties.csv"
    rows.write_bytes(b"source,target,strength\nx@example.org,y@example.org,3\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_network", str(rows))
    assert Tie.objects.count() == 0
