"""Financial intelligence: trafficking red flags on transactions (DuckDB; Spark for scale), the ledger they run on,
and a seeded generator of labelled test data."""
