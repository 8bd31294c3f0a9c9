"""Import and export: files in (CSV, XLSX, GraphML, GEXF, Kumu JSON) and out.

The readers and writers (``tables``, ``csv_io``, ``xlsx``, ``graph_io``, ``kumu``, ``binning``,
``formats``) are pure; ``importer``, ``exporter`` and ``personal`` talk to the database.
"""
