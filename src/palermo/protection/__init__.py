"""Victim protection, the engine (pure): screening a person against indicator sets (ILO, ILO/EC) and the checklist
of a victim's rights under a jurisdiction's law profile. No storage, settings, web or CLI: explicit arguments in,
pydantic values out."""

from palermo.protection.library import (
    Dimension,
    Indicator,
    IndicatorLibrary,
    IndicatorSet,
    PointsTo,
    Rule,
    Source,
    SourceCitation,
    load_indicators,
    read_indicator_file,
)
from palermo.protection.rights import Deadline, Obligation, Right, deadlines, period_end, rights
from palermo.protection.screening import (
    RECOMMENDATIONS,
    Answers,
    DimensionResult,
    ElementResult,
    IndicatorHit,
    Recommendation,
    ScreeningResult,
    check_answers,
    conduct_from_screening,
    ctdc_values,
    outranks,
    read_answers,
    screen,
)

__all__ = [
    "RECOMMENDATIONS", "Answers", "Deadline", "Dimension", "DimensionResult", "ElementResult", "Indicator",
    "IndicatorHit", "IndicatorLibrary", "IndicatorSet", "Obligation", "PointsTo", "Recommendation", "Right", "Rule",
    "ScreeningResult", "Source", "SourceCitation", "check_answers", "conduct_from_screening", "ctdc_values",
    "deadlines", "load_indicators", "outranks", "period_end", "read_answers", "read_indicator_file", "rights",
    "screen",
]
