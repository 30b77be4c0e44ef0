"""Test data and reference calculations shared by the cohort, patients-file and tablet tests."""

from __future__ import annotations

import itertools

#: A patients file every row of which is good (units mixed, sex in any case, concomitants listed).
GOOD_CSV = """id,height,weight,sex,concomitant
P1,170 cm,70 kg,female,posaconazole
P2,67 in,154 lb,MALE,
P3,1.6 m,52 kg,,fluconazole; micafungin
"""

#: A patients file with a problem on most rows (each named by its line in the tests).
BAD_CSV = """id,height,weight,sex,concomitant
P1,170 cm,70 kg,female,posaconazole
P2,170,70 kg,female,
P3,170 cm,70 kg,f,posaconazol
P1,17 m,7 g,male,
P5,170 cm
P6,170 cm,70 kg,male,fluconazole;ketoconazol
"""


def brute_force_syringes(dose: float, sizes: list[float]) -> tuple[int, ...]:
    """The single-use rule for one dose, by trying every combination (the reference)."""
    if dose == 0:
        return (0,) * len(sizes)
    best = None
    for n in range(1, 20):
        for combo in itertools.combinations_with_replacement(range(len(sizes)), n):
            total = sum(sizes[j] for j in combo)
            if total >= dose:
                counts = tuple(combo.count(j) for j in range(len(sizes)))
                # fewest, then least total, then most of the largest strengths
                key = (
                    n,
                    total,
                    tuple(-counts[j] for j in sorted(range(len(sizes)), key=lambda j: -sizes[j])),
                )
                if best is None or key < best[0]:
                    best = (key, counts)
        if best is not None:
            return best[1]
    raise AssertionError("no combination")
