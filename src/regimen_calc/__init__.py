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

import importlib as _importlib

from regimen_calc._version import distribution_version as _distribution_version
from regimen_calc.content.body_weight import adjusted_body_weight, ideal_body_weight
from regimen_calc.content.bsa import BSA_FORMULAS, body_surface_area
from regimen_calc.engine.policy import (
    DoseModification,
    DosingPolicy,
    DrugPolicy,
    ExactComposition,
    Increment,
    NearestPack,
)
from regimen_calc.engine.schedule import Administration, Schedule, ScheduleDay, ScheduleWarning
from regimen_calc.engine.tablets import TabletCompositionError, compose_tablets
from regimen_calc.errors import (
    CumulativeDoseError,
    DoseLimitError,
    InputError,
    LoadError,
    MissingSiteValuesError,
    Problem,
    RegimenCalcError,
    UnknownDrugError,
)
from regimen_calc.io.policy_files import load_policy
from regimen_calc.io.regimen_files import available_regimens, load_regimen, validate_file
from regimen_calc.model.concomitant import Concomitant
from regimen_calc.model.patient import Patient
from regimen_calc.model.regimen import Component, Regimen
from regimen_calc.units import ureg
from regimen_calc.wording.ismp import format_quantity

__all__ = [
    "BSA_FORMULAS",
    "Administration",
    "Cohort",
    "Component",
    "Concomitant",
    "CumulativeDoseError",
    "DoseLimitError",
    "DoseModification",
    "DosingPolicy",
    "DrugPolicy",
    "ExactComposition",
    "Forecast",
    "Increment",
    "InputError",
    "LoadError",
    "MissingSiteValuesError",
    "NearestPack",
    "Patient",
    "PatientDataError",
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
    "forecast",
    "format_quantity",
    "ideal_body_weight",
    "load_policy",
    "load_regimen",
    "read_patients_csv",
    "ureg",
    "validate_file",
]


#: Names served on first use from :mod:`regimen_calc.cohort.forecast` and from the patients CSV
#: reader, :mod:`regimen_calc.io.patients_csv`, which imports it: a single schedule and the command
#: line's start-up do not load the cohort engine (about 17 ms to import).
_LAZY = {
    "Cohort": "cohort.forecast",
    "Forecast": "cohort.forecast",
    "PatientDataError": "cohort.forecast",
    "forecast": "cohort.forecast",
    "read_patients_csv": "io.patients_csv",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        value = globals()[name] = _distribution_version()
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
