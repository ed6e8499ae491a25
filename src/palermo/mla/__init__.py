"""Mutual legal assistance and extradition requests (pure): drafted from a case's conduct with the legal basis,
dual criminality and jurisdiction computed by the law engine, checked for completeness, rendered as documents a
central authority prints or edits (docs/requests.md)."""
