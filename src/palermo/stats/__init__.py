"""Monitoring statistics that cannot expose a victim: hidden-population estimates, k-anonymous and differentially
private releases with a privacy-budget ledger, indicators and scorecards."""
