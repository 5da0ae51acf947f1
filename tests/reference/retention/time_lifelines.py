"""Times lifelines on the retention benchmark table, for comparison with `retention::bench`.

Versions: Python 3.11.7, lifelines 0.30.3, pandas 2.3, numpy 2.4.
Rerun from the repository root:
    cargo run --release -- bench retention --tiers 1000000 --seed 2026 --dump-csv /tmp/retention_bench.csv
    python tests/reference/retention/time_lifelines.py /tmp/retention_bench.csv [n_rows]
`engagement bench retention` prints our timings on the same rows (same seed).
"""
import json
import sys
import time

import lifelines
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

path = sys.argv[1]
df = pd.read_csv(path)
if len(sys.argv) > 2:
    df = df.iloc[: int(sys.argv[2])]
out = {"n": len(df), "lifelines": lifelines.__version__}
t0 = time.perf_counter()
for g in (0, 1):
    sub = df[df.group == g]
    KaplanMeierFitter().fit(sub.duration, sub.event)
out["km_seconds"] = time.perf_counter() - t0
t0 = time.perf_counter()
a, b = df[df.group == 0], df[df.group == 1]
r = logrank_test(a.duration, b.duration, a.event, b.event)
out["logrank_seconds"] = time.perf_counter() - t0
out["logrank_statistic"] = float(r.test_statistic)
t0 = time.perf_counter()
cph = CoxPHFitter().fit(df[["duration", "event", "age", "boeth", "unemp"]], "duration", "event")
out["cox_seconds_default_tolerance"] = time.perf_counter() - t0
out["cox_coefficients"] = [float(v) for v in cph.params_.values]
print(json.dumps(out, indent=1))
