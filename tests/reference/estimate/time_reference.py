"""Times the reference tools on the benchmark panel, beside `engagement bench estimate`.

Versions: Python 3.11.7, pyfixest 0.60.0, csdid 0.4.3, pandas 2.3, numpy 2.4.
Rerun from the repository root (same panel: same units, periods and seed):
    cargo run --release -- bench estimate --tiers 100000 --periods 20 --seed 1 --dump-csv /tmp/bench_panel.csv
    python tests/reference/estimate/time_reference.py /tmp/bench_panel.csv [--csdid]
pyfixest is timed warm (a first call compiles its numba kernels): TWFE with CRV1, then the event
study `i(rel, ref=-1)` with the pre-trend Wald test. With --csdid, csdid's unconditional
ATT(g,t) with analytic standard errors (bstrap=False) and the simple aggregation, then the
same with its multiplier bootstrap (999 draws).
"""
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf

warnings.filterwarnings("ignore")
df = pd.read_csv(sys.argv[1])
df["d"] = ((df.cohort > 0) & (df.time >= df.cohort)).astype(float)
df["rel"] = np.where(df.cohort > 0, df.time - df.cohort, -1).astype(int)
out = {"rows": len(df), "units": int(df.unit.nunique()), "pyfixest": pf.__version__}
pf.feols("y ~ d | unit + time", data=df[df.unit % 50 == 0], vcov={"CRV1": "unit"})  # warm-up
t0 = time.perf_counter()
fit = pf.feols("y ~ d | unit + time", data=df, vcov={"CRV1": "unit"})
out["twfe_seconds"] = time.perf_counter() - t0
out["twfe_att"] = float(fit.coef()["d"])
t0 = time.perf_counter()
es = pf.feols("y ~ i(rel, ref=-1) | unit + time", data=df, vcov={"CRV1": "unit"})
names = list(es.coef().index)
leads = [i for i, n in enumerate(names) if int(n.split("::")[-1].rstrip("]").split("T.")[-1]) <= -2]
R = np.zeros((len(leads), len(names)))
R[np.arange(len(leads)), leads] = 1.0
es.wald_test(R=R)
out["event_study_seconds"] = time.perf_counter() - t0
if "--csdid" in sys.argv:
    from csdid.att_gt import ATTgt
    t0 = time.perf_counter()
    res = ATTgt(yname="y", tname="time", idname="unit", gname="cohort", data=df).fit(est_method="dr", bstrap=False)
    res.aggte(typec="simple", bstrap=False)
    out["csdid_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # csdid takes the draws and the uniform band in the constructor (R did: biters, cband).
    res = ATTgt(yname="y", tname="time", idname="unit", gname="cohort", data=df,
                biters=999, cband=True).fit(est_method="dr", bstrap=True)
    out["csdid_bootstrap_seconds"] = time.perf_counter() - t0
print(json.dumps(out, indent=1))
