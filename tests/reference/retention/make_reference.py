"""Reference values for the retention estimators, from lifelines and statsmodels.

Versions used for the committed outputs: Python 3.11.7, lifelines 0.30.3, statsmodels (PHReg
for Breslow ties, which lifelines does not offer), numpy 2.4, pandas 2.3.

Rerun from the repository root:
    pip install lifelines statsmodels
    python tests/reference/retention/make_reference.py

It (re)writes the fixtures in tests/fixtures/retention/:
- small.csv: 90 persons, 3 groups (labels "A", "B", "lab_2"), integer days with ties and
  censorings at event times, covariates x1 (continuous), x2 (binary), integer weight w;
- medium.csv: 2,000 persons, 2 groups ("0", "1"), integer days (many ties), covariates
  age, boeth, unemp;
- notie.csv: 150 persons, continuous durations without ties (robust variance check);
- categorical.csv: 1,500 persons, groups "labelled"/"other", covariates age (numeric), sex
  (F/M) and sector (C/F/G/Q) as text: Cox with the patsy/model.matrix indicators
  (sex[T.M], sector[T.F], ...; reference levels F and C) and group "labelled" as the reference,
  and the IPW comparison (statsmodels Logit propensity on the same indicators, weights 1/p and
  1/(1-p) clipped to [0.01, 0.99], lifelines weighted Kaplan-Meier at 182 and 365 days);
and the reference JSON files *_reference.json next to them.
Cox models are refitted with precision=1e-12 (lifelines' default 1e-7 stops early).
"""
import json
import os

import lifelines
import numpy as np
import pandas as pd
import statsmodels
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times
from statsmodels.duration.hazard_regression import PHReg

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "retention"))
HORIZONS = [182.0, 365.0]
TIGHT = {"precision": 1e-12, "step_size": 0.5, "max_steps": 500}


def make_small():
    rng = np.random.default_rng(20261128)
    rows = []
    for g, n, scale in [("A", 30, 300.0), ("B", 35, 200.0), ("lab_2", 25, 420.0)]:
        for _ in range(n):
            x1 = rng.normal()
            x2 = int(rng.random() < 0.4)
            t = rng.exponential(scale * np.exp(-0.3 * x1 + 0.4 * x2))
            c = rng.choice([90.0, 182.0, 270.0, 365.0, 500.0, 730.0])
            d = min(round(t / 30.0) * 30.0 + 2.0, c)  # coarse grid -> ties
            e = int(t <= c and d < c) if d != c else int(rng.random() < 0.5)
            rows.append(dict(duration=d, event=e, group=g, x1=round(x1, 3), x2=x2, w=int(rng.integers(1, 4))))
    return pd.DataFrame(rows)


def make_medium():
    rng = np.random.default_rng(7)
    n = 2000
    age = rng.integers(18, 60, n).astype(float)
    boeth = (rng.random(n) < 0.08).astype(int)
    unemp = np.round(rng.exponential(14.0, n), 1)
    score = -0.02 * (age - 40) - 0.03 * unemp + 0.5 * rng.normal(size=n)
    g = (rng.random(n) < 1 / (1 + np.exp(-(score - 0.2)))).astype(int)
    lin = -0.4 * g + 0.01 * (age - 40) + 0.3 * boeth + 0.01 * unemp
    t = 900.0 * (rng.exponential(size=n) / np.exp(lin)) ** (1 / 0.7)
    c = rng.uniform(100, 900, n)
    d = np.floor(np.minimum(t, c))
    e = (t <= c).astype(int)
    return pd.DataFrame(dict(duration=d, event=e, group=g.astype(str), age=age, boeth=boeth, unemp=unemp))


def make_notie():
    rng = np.random.default_rng(11)
    n = 150
    x1 = rng.normal(size=n)
    x2 = (rng.random(n) < 0.5).astype(int)
    t = rng.exponential(300.0 * np.exp(-0.5 * x1 + 0.3 * x2))
    c = rng.uniform(50, 800, n)
    g = np.where(rng.random(n) < 0.5, "x", "y")
    return pd.DataFrame(dict(duration=np.round(np.minimum(t, c), 6), event=(t <= c).astype(int), group=g, x1=np.round(x1, 4), x2=x2))


def make_categorical():
    rng = np.random.default_rng(2027)
    n = 1500
    age = rng.integers(18, 62, n).astype(float)
    sex = rng.choice(["F", "M"], n)
    sector = rng.choice(["C", "F", "G", "Q"], n, p=[0.3, 0.2, 0.3, 0.2])
    score = -0.02 * (age - 40) + 0.4 * (sex == "F") - 0.5 * (sector == "F") + 0.3 * (sector == "Q")
    labelled = rng.random(n) < 1 / (1 + np.exp(-(score - 0.3)))
    lin = -0.4 * labelled + 0.01 * (age - 40) + 0.2 * (sex == "M") + 0.3 * (sector == "G") - 0.2 * (sector == "Q")
    t = 700.0 * (rng.exponential(size=n) / np.exp(lin)) ** (1 / 0.8)
    c = rng.uniform(100, 900, n)
    return pd.DataFrame(dict(duration=np.floor(np.minimum(t, c)), event=(t <= c).astype(int),
                             group=np.where(labelled, "labelled", "other"), age=age, sex=sex, sector=sector))


def categorical_reference(df):
    """Cox and IPW with the indicators patsy builds from the text columns."""
    import statsmodels.api as sm
    d = df.copy()
    design = ["group=other", "age"]
    d["group=other"] = (d.group == "other").astype(int)
    for col in ["sex", "sector"]:
        for lv in sorted(d[col].unique())[1:]:
            name = f"{col}[T.{lv}]"
            d[name] = (d[col] == lv).astype(int)
            design.append(name)
    out = dict(cox_design=design, cox_efron=cox_reference(d, design))
    x = sm.add_constant(d[design[1:]].astype(float))
    treated = (d.group == "other").astype(int)
    lg = sm.Logit(treated, x).fit(method="newton", tol=1e-14, disp=0)
    p = np.clip(lg.predict(x), 0.01, 0.99)
    w = np.where(treated == 1, 1 / p, 1 / (1 - p))
    hz = []
    for h in HORIZONS:
        s = {}
        for g, flag in [("treated", 1), ("reference", 0)]:
            m = (treated == flag).values
            kmf = KaplanMeierFitter().fit(d.duration[m], d.event[m], weights=w[m])
            s[g] = float(kmf.survival_function_at_times(h).iloc[0])
        hz.append(dict(t=h, survival_treated=s["treated"], survival_reference=s["reference"]))
    out["ipw"] = dict(treated="other", reference="labelled", propensity_coefficients=[float(v) for v in lg.params],
                      horizons=hz)
    return out


def km_reference(df, weights=None):
    out = {}
    for g, sub in sorted(df.groupby("group"), key=lambda kv: kv[0]):
        kmf = KaplanMeierFitter()
        kmf.fit(sub["duration"], sub["event"], weights=None if weights is None else sub[weights])
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        tab = kmf.event_table
        rows = []
        # R survfit's "log" interval from lifelines' own Greenwood sum (upper clipped at 1 as R)
        gw = kmf._cumulative_sq_
        z = 1.959963984540054
        for t in sf.index:
            s, e = float(sf.loc[t]), float(np.exp(z * np.sqrt(gw.loc[t])))
            rows.append(dict(t=float(t), survival=s, ci_lower=float(ci.iloc[:, 0].loc[t]),
                             ci_upper=float(ci.iloc[:, 1].loc[t]), at_risk=float(tab["at_risk"].loc[t]),
                             ci_log_lower=s / e, ci_log_upper=min(1.0, s * e)))
        hz = []
        for h in HORIZONS:
            s = float(kmf.survival_function_at_times(h).iloc[0])
            k = ci.index[ci.index <= h].max()
            hz.append(dict(t=h, survival=s, ci_lower=float(ci.iloc[:, 0].loc[k]), ci_upper=float(ci.iloc[:, 1].loc[k]),
                           at_risk=float((sub["duration"] >= h).sum() if weights is None else sub.loc[sub["duration"] >= h, weights].sum())))
        med = median_survival_times(kmf.confidence_interval_)
        fin = lambda v: None if not np.isfinite(v) else float(v)
        out[str(g)] = dict(rows=rows, horizons=hz, median=fin(kmf.median_survival_time_),
                           median_ci_lower=fin(med.iloc[0, 0]), median_ci_upper=fin(med.iloc[0, 1]))
    return out


def cox_reference(df, covs, robust=False):
    cph = CoxPHFitter()
    cph.fit(df[["duration", "event"] + covs], "duration", "event", robust=robust, fit_options=TIGHT)
    s = cph.summary
    return dict(log_likelihood=float(cph.log_likelihood_), terms=[
        dict(name=c, coef=float(s.loc[c, "coef"]), se=float(s.loc[c, "se(coef)"]),
             hazard_ratio=float(s.loc[c, "exp(coef)"]), ci_lower=float(s.loc[c, "exp(coef) lower 95%"]),
             ci_upper=float(s.loc[c, "exp(coef) upper 95%"]), p_value=float(s.loc[c, "p"])) for c in covs])


def breslow_reference(df, covs):
    m = PHReg(df["duration"].values, df[covs].values.astype(float), status=df["event"].values, ties="breslow")
    r = m.fit(tol=1e-12, maxiter=500)
    return dict(log_likelihood=float(r.llf), terms=[dict(name=c, coef=float(r.params[i]), se=float(r.bse[i])) for i, c in enumerate(covs)])


def dummies(df, ref):
    covs = []
    for g in sorted(df["group"].unique()):
        if g != ref:
            name = f"group={g}"
            df[name] = (df["group"] == g).astype(int)
            covs.append(name)
    return covs


def main():
    os.makedirs(FIX, exist_ok=True)
    meta = dict(python_packages=dict(lifelines=lifelines.__version__, statsmodels=statsmodels.__version__,
                                     numpy=np.__version__, pandas=pd.__version__),
                script="tests/reference/retention/make_reference.py")
    for name, make, covs in [("small", make_small, ["x1", "x2"]), ("medium", make_medium, ["age", "boeth", "unemp"]),
                             ("notie", make_notie, ["x1", "x2"])]:
        df = make()
        df.to_csv(os.path.join(FIX, f"{name}.csv"), index=False)
        df = pd.read_csv(os.path.join(FIX, f"{name}.csv"), dtype={"group": str})
        ref = sorted(df["group"].unique())[0]
        groups = sorted(df["group"].unique())
        out = dict(meta=meta, horizons=HORIZONS, km=km_reference(df))
        if "w" in df:
            out["km_weighted"] = km_reference(df, weights="w")
        mlr = multivariate_logrank_test(df["duration"], df["group"], df["event"])
        out["logrank"] = dict(statistic=float(mlr.test_statistic), df=int(mlr.degrees_of_freedom), p_value=float(mlr.p_value))
        if len(groups) > 2:
            sub = df[df["group"].isin(groups[:2])]
            lr = logrank_test(sub.loc[sub.group == groups[0], "duration"], sub.loc[sub.group == groups[1], "duration"],
                              sub.loc[sub.group == groups[0], "event"], sub.loc[sub.group == groups[1], "event"])
            out["logrank_first_two"] = dict(statistic=float(lr.test_statistic), p_value=float(lr.p_value))
        design = dummies(df, ref) + covs
        out["cox_design"] = design
        out["cox_efron"] = cox_reference(df, design)
        out["cox_breslow"] = breslow_reference(df, design)
        if name == "notie":
            out["cox_robust"] = cox_reference(df, design, robust=True)
        with open(os.path.join(FIX, f"{name}_reference.json"), "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
        print(name, len(df), "events", int(df.event.sum()), "logrank", out["logrank"]["statistic"])
    df = make_categorical()
    df.to_csv(os.path.join(FIX, "categorical.csv"), index=False)
    df = pd.read_csv(os.path.join(FIX, "categorical.csv"))
    out = dict(meta=meta, horizons=HORIZONS, **categorical_reference(df))
    with open(os.path.join(FIX, "categorical_reference.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print("categorical", len(df), "events", int(df.event.sum()))


if __name__ == "__main__":
    main()
