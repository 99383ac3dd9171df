"""Ingestion of department exports into the DuckDB mart (see engine/mart/layout.py for the layout)."""

from engine.ingest.pipeline import IngestSummary, Pseudonymizer, ingest_exports
from engine.ingest.reader import IngestError, detect_encoding

__all__ = ["IngestError", "IngestSummary", "Pseudonymizer", "detect_encoding", "ingest_exports"]
