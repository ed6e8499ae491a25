"""Privacy-preserving record linkage (pure): persons encoded as cryptographic long-term keys (CLKs, Bloom filters
keyed by a secret agreed per exchange) under a clkhash-compatible linkage schema, and matched without either
party seeing the other's names (docs/linkage.md)."""
