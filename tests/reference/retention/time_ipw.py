"""Times the reference tools on what `engagement estimate retention --covariates age` computes.

Versions: Python 3.11.7, lifelines 0.30.3, statsmodels 0.15, pandas 2.3, numpy 2.4.
Rerun from the repository root (same rows: same tier and seed):
    cargo run --release -- bench retention --tiers 500000 --seed 2026 --dump-csv /tmp/retention_500k.csv
    /usr/bin/time -v python tests/reference/retention/time_ipw.py /tmp/retention_500k.csv
    /usr/bin/time -v target/release/engagement estimate retention --input /tmp/retention_500k.csv \
        --duration duration --event event --group group --covariates age
Kaplan–Meier per group and the log-rank test (lifelines), Cox on age (lifelines, Efron ties),
then the IPW-adjusted curves: propensity P(group = 1 | age) by statsmodels Logit, ATE weights
1/p and 1/(1 − p), weighted Kaplan–Meier per group (lifelines) and the difference at 182 and
365 days. lifelines gives no valid standard error for the weighted curves (it warns), so this
times the point estimates only; `engagement` adds the influence-function standard error.
"""
import json
import sys
import time
import warnings

import lifelines
import numpy as np
import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

warnings.filterwarnings("ignore")
t_all = time.perf_counter()
df = pd.read_csv(sys.argv[1])
out = {"n": len(df), "lifelines": lifelines.__version__}
t0 = time.perf_counter()
a, b = df[df.group == 0], df[df.group == 1]
km = {g: KaplanMeierFitter().fit(s.duration, s.event) for g, s in ((0, a), (1, b))}
logrank_test(a.duration, b.duration, a.event, b.event)
out["km_logrank_seconds"] = time.perf_counter() - t0
t0 = time.perf_counter()
CoxPHFitter().fit(df[["duration", "event", "age"]], "duration", "event")
out["cox_seconds"] = time.perf_counter() - t0
t0 = time.perf_counter()
x = sm.add_constant(df[["age"]].to_numpy(dtype=float))
p = sm.Logit(df.group.to_numpy(dtype=float), x).fit(disp=0).predict(x)
w = np.where(df.group == 1, 1.0 / p, 1.0 / (1.0 - p))
surv = {}
for g in (0, 1):
    m = (df.group == g).to_numpy()
    k = KaplanMeierFitter().fit(df.duration[m], df.event[m], weights=w[m])
    surv[g] = [float(k.survival_function_at_times(h).iloc[0]) for h in (182, 365)]
out["ipw_seconds"] = time.perf_counter() - t0
out["ipw_difference_182_365"] = [s1 - s0 for s1, s0 in zip(surv[1], surv[0])]
out["total_seconds"] = time.perf_counter() - t_all
print(json.dumps(out, indent=1))
