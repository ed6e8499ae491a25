"""The law engine: the Palermo Protocol, UNTOC, CETS 197, the EU Directive and national profiles as data, and pure
functions that apply them to a described conduct, with citations."""

from palermo.law.assess import Assessment, assess
from palermo.law.compare import Comparison, compare
from palermo.law.cooperation import DualCriminality, JurisdictionReport, dual_criminality, jurisdiction
from palermo.law.gaps import GapReport, gaps
from palermo.law.library import Library, load_conduct, load_library, read_conduct

__all__ = [
    "Assessment", "Comparison", "DualCriminality", "GapReport", "JurisdictionReport", "Library", "assess",
    "compare", "dual_criminality", "gaps", "jurisdiction", "load_conduct", "load_library", "read_conduct",
]
