"""The data-item catalog: what each item means, where it comes from, how it is typed."""

from engine.catalog.loader import CatalogError, CatalogProblem, default_catalog, load_catalog, parse_catalog_documents
from engine.catalog.model import Catalog, CatalogItem

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogItem",
    "CatalogProblem",
    "default_catalog",
    "load_catalog",
    "parse_catalog_documents",
]
