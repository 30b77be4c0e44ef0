"""regimen_calc: chemotherapy regimens written as YAML, turned into checked day-by-day schedules.

>>> import regimen_calc as rc
>>> reg = rc.load_regimen("CLAG")
>>> sched = reg.schedule(rc.Patient(height="170 cm", weight="65 kg"))
>>> sched.bsa
<Quantity(1.75, 'meter ** 2')>
>>> [str(rc.format_quantity(a.dose)) for a in sched.day(1).administrations]
['8.75 mg', '1,750 mg', '325 mcg']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .bsa import BSA_FORMULAS, body_surface_area
from .body_weight import adjusted_body_weight, ideal_body_weight
from .errors import (
    DoseLimitError,
    InputError,
    LoadError,
    MissingSiteValuesError,
    Problem,
    RegimenCalcError,
    UnknownDrugError,
)
from .formatting import format_quantity
from .interactions import Concomitant
from .loader import available_regimens, load_regimen, validate_file
from .model import Component, Regimen
from .patient import Patient
from .policy import DosingPolicy
from .schedule import Administration, Schedule, ScheduleDay, ScheduleWarning
from .tablets import TabletCompositionError, compose_tablets
from .units import ureg

try:
    __version__ = version("regimen-calc")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "BSA_FORMULAS",
    "Administration",
    "Component",
    "Concomitant",
    "DoseLimitError",
    "DosingPolicy",
    "InputError",
    "LoadError",
    "MissingSiteValuesError",
    "Patient",
    "Problem",
    "Regimen",
    "RegimenCalcError",
    "Schedule",
    "ScheduleDay",
    "ScheduleWarning",
    "TabletCompositionError",
    "UnknownDrugError",
    "__version__",
    "adjusted_body_weight",
    "available_regimens",
    "body_surface_area",
    "compose_tablets",
    "format_quantity",
    "ideal_body_weight",
    "load_regimen",
    "ureg",
    "validate_file",
]
