"""Reference values for the estimators in src/estimate/, on the fixture panels.

Versions: Python 3.11.7, pyfixest 0.60.0, csdid 0.4.3 (port of R `did` 2.5.x, checked to follow
R's conventions: DRDID panel DR with logit pscore trimmed at 0.995, analytic IF SEs
sqrt(mean(IF^2)/n) with bstrap=False, aggregations with the weight-estimation IF term),
statsmodels 0.15.0, linearmodels 7.1, numpy 2.4.6, pandas 2.3.3, scipy 1.17.1.

Rerun from the repository root:
    pip install pyfixest==0.60.0 csdid==0.4.3
    python3 tests/reference/estimate/make_reference.py
It writes tests/reference/estimate/reference.json, read by tests/estimate_reference.rs.

Conventions:
* TWFE: feols("y ~ d | unit + time", vcov={"CRV1": "unit"}), fixest default ssc; the CI uses
  t(G-1) (pyfixest confint()).
* TWFE, linearmodels convention: PanelOLS(entity_effects, time_effects).fit(cov_type="clustered",
  cluster_entity=True), defaults (debiased=True).
* Event study: feols("y ~ i(rel, ref=-1) | unit + time"), never-treated coded rel = -1.
* Pre-trend Wald, fixest `wald()` convention: W = b' V^-1 b over the leads (rel <= -2) with the
  CRV1 vcov, F = W/q, p from F(q, df2) with df2 = nobs - nparams, nparams = coefficients + units
  + periods - 1 (fixest counts every fixed effect in nparams; `wald()` sets
  df2 = x$nobs - x$nparams). The chi2(q) p-value is stored too, and pyfixest's own
  `wald_test` on the same leads (it switches to chi2 on a subset of coefficients).
* Pre-trend Wald with the early leads binned (the pipeline's headline test): the same TWFE with
  the event times before -4 folded into -4 (lags not binned), i.e. feols with the binned lead
  dummies, and the same Wald test over the leads -4 (binned), -3, -2, by hand and by pyfixest's
  `wald_test`.
* Categorical covariates: csdid `xformla="~ size_class + sector + region"` on text columns
  (patsy treatment coding, first level in sort order as reference), as R `did` with
  `xformla = ~ size_class + sector + region` (model.matrix).
* CS: csdid ATTgt(..., control_group, base_period, est_method="dr").fit(bstrap=False), aggte
  types simple/group/dynamic/calendar. Unbalanced input is balanced first (R `did` default
  allow_unbalanced_panel=FALSE drops units not observed in every period).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats
from csdid.att_gt import ATTgt

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[3]
FIX = ROOT / "tests" / "fixtures" / "estimate"


def twfe(df):
    d = df.copy()
    d["d"] = ((d.cohort > 0) & (d.time >= d.cohort)).astype(float)
    fit = pf.feols("y ~ d | unit + time", data=d, vcov={"CRV1": "unit"})
    ci = fit.confint().loc["d"].to_list()
    return {
        "att": float(fit.coef()["d"]),
        "se": float(fit.se()["d"]),
        "ci95": [float(ci[0]), float(ci[1])],
        "p_value": float(fit.pvalue()["d"]),
        "n_obs": int(fit._N),
        "n_clusters": int(d.unit.nunique()),
    }


def twfe_linearmodels(df):
    """linearmodels PanelOLS two-way effects, clustered by entity, default options."""
    from linearmodels.panel import PanelOLS
    d = df.copy()
    d["d"] = ((d.cohort > 0) & (d.time >= d.cohort)).astype(float)
    d = d.set_index(["unit", "time"])
    r = PanelOLS(d.y, d[["d"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    return {"att": float(r.params["d"]), "se": float(r.std_errors["d"])}


def event_study(df, bin=None):
    d = df.copy()
    d["rel"] = np.where(d.cohort > 0, d.time - d.cohort, -1).astype(int)
    # pyfixest drops dummies collinear with the fixed effects (no never-treated units).
    if bin is not None:
        d["rel"] = np.where(d.cohort > 0, d.rel.clip(bin[0], bin[1]), -1)
    fit = pf.feols("y ~ i(rel, ref=-1) | unit + time", data=d, vcov={"CRV1": "unit"})
    coefs = fit.coef()
    ses = fit.se()
    out = []
    names = list(coefs.index)
    rels = []
    for name in names:
        # names look like "C(rel, contr.treatment(base=-1))[T.-7]" or "rel::-7"
        r = int(name.split("::")[-1]) if "::" in name else int(name.split("T.")[-1].rstrip("]"))
        rels.append(r)
        out.append({"rel_time": r, "estimate": float(coefs[name]), "se": float(ses[name])})
    out.sort(key=lambda e: e["rel_time"])
    lead_idx = [i for i, r in enumerate(rels) if r <= -2]
    b = coefs.values[lead_idx]
    V = fit._vcov[np.ix_(lead_idx, lead_idx)]
    W = float(b @ np.linalg.solve(V, b))
    q = len(lead_idx)
    F = W / q
    nparams = len(names) + d.unit.nunique() + d.time.nunique() - 1
    df2 = int(fit._N) - nparams
    R = np.zeros((q, len(names)))
    R[np.arange(q), lead_idx] = 1.0
    pf_w = fit.wald_test(R=R)
    wald = {
        "statistic": F,
        "df": q,
        "df2": df2,
        "p_value": float(stats.f.sf(F, q, df2)),
        "chi2": W,
        "p_value_chi2": float(stats.chi2.sf(W, q)),
        "pyfixest_wald_test": {"statistic": float(pf_w["statistic"]), "p_value": float(pf_w["pvalue"])},
    }
    return out, wald


def fnum(x):
    """A finite float, or None (JSON null) for an undefined value such as a base-period SE."""
    return float(x) if x is not None and np.isfinite(x) else None


def cs(df, control="nevertreated", base="varying", xformla=None, est_method="dr"):
    d = df.copy()
    att = ATTgt(yname="y", tname="time", idname="unit", gname="cohort", data=d,
                control_group=control, xformla=xformla)
    res = att.fit(est_method=est_method, base_period=base, bstrap=False)
    r = res.results
    gt = []
    for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"]):
        gt.append({"group": int(g), "time": int(t), "att": float(a),
                   "se": None if s is None or not np.isfinite(s) else float(s)})
    out = {"group_time": gt}
    for typ in ["simple", "group", "dynamic", "calendar"]:
        agg = res.aggte(typec=typ, bstrap=False, cband=False)
        a = agg.atte
        entry = {"att": float(a["overall_att"]), "se": float(a["overall_se"])}
        if typ != "simple":
            egt = list(a["egt"])
            att_e = list(np.asarray(a["att_egt"], dtype=float))
            se_e = list(np.asarray(a["se_egt"], dtype=float).ravel())
            key = {"group": "group", "dynamic": "event_time", "calendar": "time"}[typ]
            entry["by"] = [{key: int(e), "att": float(x), "se": fnum(s)}
                           for e, x, s in zip(egt, att_e, se_e)]
        out[typ] = entry
    return out


def balance(df):
    periods = df.time.nunique()
    counts = df.groupby("unit").time.count()
    return df[df.unit.isin(counts[counts == periods].index)].copy()


ref = {}
bal = pd.read_csv(FIX / "balanced.csv")
unb = pd.read_csv(FIX / "unbalanced.csv")
for name, df in [("balanced", bal), ("unbalanced", unb)]:
    es, wald = event_study(df)
    ref[name] = {"twfe": twfe(df), "event_study": es, "pretrend_wald": wald,
                 "twfe_linearmodels": twfe_linearmodels(df)}
def binned_pretrend(df, below=-4):
    es, wald = event_study(df, bin=(below, 10**6))
    treated = df[df.cohort > 0]
    rel = treated.time - treated.cohort
    wald["below"] = below
    wald["binned"] = sorted(int(e) for e in rel[rel < below].unique())
    wald["leads"] = [e["rel_time"] for e in es if e["rel_time"] <= -2]
    return wald


for name, df in [("balanced", bal), ("unbalanced", unb)]:
    ref[name]["pretrend_wald_binned_m4"] = binned_pretrend(df)
ref["balanced"]["event_study_binned_m3_p3"] = event_study(bal, bin=(-3, 3))[0]
ref["balanced"]["cs_never_varying"] = cs(bal)
ref["balanced"]["cs_notyet_varying"] = cs(bal, control="notyettreated")
ref["balanced"]["cs_never_universal"] = cs(bal, base="universal")
ref["balanced"]["cs_never_varying_dr_x1_x2"] = cs(bal, xformla="~ x1 + x2")
ref["balanced"]["cs_notyet_varying_dr_x1_x2"] = cs(bal, control="notyettreated", xformla="~ x1 + x2")
ref["balanced"]["cs_never_varying_ipw_x1_x2"] = cs(bal, xformla="~ x1 + x2", est_method="ipw")
ref["balanced"]["event_study_no_never"] = event_study(bal[bal.cohort > 0])[0]
ref["balanced"]["cs_notyet_no_never"] = cs(bal[bal.cohort > 0], control="notyettreated")
ref["unbalanced"]["cs_never_varying"] = cs(balance(unb))
ref["unbalanced"]["cs_balanced_units"] = int(balance(unb).unit.nunique())
cat = pd.read_csv(FIX / "categorical.csv")
cat["unit"] = cat.unit.str[1:].astype(int)  # csdid wants a numeric id (E001 -> 1)
cat_x = "~ size_class + sector + region"
ref["categorical"] = {
    "cs_never_varying_dr": cs(cat, xformla=cat_x),
    "cs_notyet_varying_dr": cs(cat, control="notyettreated", xformla=cat_x),
    "cs_never_varying_ipw": cs(cat, xformla=cat_x, est_method="ipw"),
}

out = Path(__file__).resolve().parent / "reference.json"
out.write_text(json.dumps(ref, indent=1, sort_keys=True) + "\n")
print("wrote", out)
