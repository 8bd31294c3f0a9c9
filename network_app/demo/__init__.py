"""The demo network: a deterministic, realistic local network for ``manage.py seed_demo``.

``generator`` builds it in pure Python (no database, one seeded random generator);
``loader`` writes it with bulk inserts.
"""

from network_app.demo.generator import average_degree_for, generate_network
from network_app.demo.records import DemoNetwork

__all__ = ["DemoNetwork", "average_degree_for", "generate_network"]
