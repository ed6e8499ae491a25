"""The analytics engine (pure: no database, settings or web): entity resolution and network analysis of case
entities."""
