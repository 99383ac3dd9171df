"""The pseudonymized data mart: its table layout (shared by ingestion and the compiler)."""
