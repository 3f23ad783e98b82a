from .evaluations import PathwayEvaluation
from .settings import DEFAULTS, PathwaySettings, settings_for

__all__ = ["DEFAULTS", "PathwayEvaluation", "PathwaySettings", "settings_for"]
