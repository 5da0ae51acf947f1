"""Generate the small estimator fixture panels under tests/fixtures/estimate/.

numpy 2.4.6, seeded; rerun with `python3 tests/reference/estimate/make_fixtures.py` from the
repository root. The panels are committed: never regenerate them without regenerating the
reference values (make_reference.py).
"""
import numpy as np
import pandas as pd
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "estimate"
OUT.mkdir(parents=True, exist_ok=True)


def panel(seed, n_units=60, periods=8):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n_units)
    x2 = (rng.random(n_units) < 0.4).astype(int)
    # Cohort correlated with x1 so that conditional and unconditional CS differ.
    score = 0.5 * x1 + rng.normal(scale=1.0, size=n_units)
    order = np.argsort(-score)
    cohort = np.zeros(n_units, dtype=int)
    cohort[order[:14]] = 4
    cohort[order[14:28]] = 6
    cohort[order[28:40]] = 8
    unit_fe = rng.normal(scale=2.0, size=n_units)
    time_fe = rng.normal(scale=1.0, size=periods)
    rows = []
    for i in range(n_units):
        for t in range(1, periods + 1):
            g = cohort[i]
            eff = 0.0
            if g > 0 and t >= g:
                eff = 1.0 + 0.25 * (t - g) + (0.5 if g == 4 else 0.0)
            y = (unit_fe[i] + time_fe[t - 1] + 0.3 * x1[i] * t / periods + 0.4 * x2[i] * (t > 4)
                 + eff + rng.normal(scale=1.0))
            rows.append((i + 1, t, round(y, 6), g, round(x1[i], 6), x2[i]))
    return pd.DataFrame(rows, columns=["unit", "time", "y", "cohort", "x1", "x2"])


def categorical_panel(seed, n_units=240, periods=8):
    """Text covariates (size_class, sector, region) that shift both adoption and trends."""
    rng = np.random.default_rng(seed)
    size = rng.choice(["small", "medium", "large"], n_units, p=[0.5, 0.3, 0.2])
    sector = rng.choice(["C", "F", "G", "Q"], n_units)
    region = rng.choice(["BRE", "NOR", "PDL"], n_units)
    score = 0.6 * (size == "large") - 0.4 * (sector == "F") + 0.3 * (region == "BRE") + rng.normal(size=n_units)
    order = np.argsort(-score)
    cohort = np.zeros(n_units, dtype=int)
    cohort[order[:50]] = 4
    cohort[order[50:100]] = 6
    cohort[order[100:150]] = 8
    # Every level must occur among the treated of each cohort and among the never treated.
    for g in [0, 4, 6, 8]:
        for col in (size, sector, region):
            assert set(col[cohort == g]) == set(col), (g, sorted(set(col[cohort == g])))
    unit_fe = rng.normal(scale=2.0, size=n_units)
    time_fe = rng.normal(scale=1.0, size=periods)
    trend = 0.3 * (size == "large") + 0.2 * (sector == "Q") - 0.15 * (region == "NOR")
    rows = []
    for i in range(n_units):
        for t in range(1, periods + 1):
            g = cohort[i]
            eff = 1.0 + 0.2 * (t - g) if g > 0 and t >= g else 0.0
            y = unit_fe[i] + time_fe[t - 1] + trend[i] * t / periods + eff + rng.normal()
            rows.append((f"E{i + 1:03d}", t, round(y, 6), g, size[i], sector[i], region[i]))
    return pd.DataFrame(rows, columns=["unit", "time", "y", "cohort", "size_class", "sector", "region"])


bal = panel(20261128)
bal.to_csv(OUT / "balanced.csv", index=False)
unb = panel(42)
rng = np.random.default_rng(7)
keep = rng.random(len(unb)) > 0.08
unb[keep].to_csv(OUT / "unbalanced.csv", index=False)
categorical_panel(2026).to_csv(OUT / "categorical.csv", index=False)
print(len(bal), keep.sum())
