#!/usr/bin/env python3
"""Convert INSEE's zonage en zones d'emploi 2020 (ZE2020) into the CSVs that `engagement` ships.

Sources:
  SOURCE/geo/communes.json  @etalab/decoupage-administratif 6.0.0 (the same folder as
                            build_reference.py; gives the current communes and their former codes)
  ZE_FILE                   INSEE, "Zonage en zones d'emploi 2020", composition communale:
                            either the workbook ZE2020_au_01-01-YYYY.xlsx (sheet
                            Composition_communale, five title rows, needs openpyxl) or that sheet
                            saved as CSV (comma or semicolon) with columns CODGEO, ZE2020, LIBZE2020.
                            Licence Ouverte / Open Licence 2.0.

Run from the repository root:  python3 data/reference/build_zones.py SOURCE ZE_FILE
Outputs (UTF-8, comma-separated, header row):
  zones_emploi_2020.csv  code,name       every zone of ZE_FILE (287 metropolitan + 19 overseas)
  communes_ze2020.csv    commune,zone    every current commune that has a zone

The workbook's commune codes follow the Code officiel géographique of its vintage, which can
lag the communes shipped in communes.csv. A current commune missing from ZE_FILE takes the zone
of (1) its own code, else (2) its former codes (`anciensCodes`: a commune nouvelle that took a
new code), else (3) the commune it left or was renamed from, listed in FORMER below. A commune
nouvelle whose former communes lay in different zones keeps the zone of the commune whose code
it kept (its chef-lieu), as INSEE's later vintages do; these cases are counted and printed.
Communes of the overseas collectivities (975, 977, 978, 98x) are outside the zonage: no zone.
"""
import csv, json, os, sys
from collections import Counter

# Current code -> code in an older COG, for changes that `anciensCodes` does not record.
FORMER = {
    # Restored on 1 January 2025 from Neussargues en Pinatelle (15141).
    "15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141",
    # Restored on 1 January 2025 from Essarts en Bocage (85084).
    "85165": "85084", "85212": "85084",
    # Les Hauts-Talican changed its code from 60054 to 60694.
    "60694": "60054",
}
OUTSIDE = ("975", "977", "978", "98")


def read_ze(path):
    """Rows of the composition communale as dicts with CODGEO, ZE2020, LIBZE2020."""
    if path.lower().endswith(".xlsx"):
        import openpyxl  # only needed for the workbook

        ws = openpyxl.load_workbook(path, read_only=True)["Composition_communale"]
        it = ws.iter_rows(min_row=6, values_only=True)
        header = [str(h) for h in next(it)]
        return [dict(zip(header, (str(v) if v is not None else "" for v in r))) for r in it]
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    delim = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delim))


def resolve(current, deleguees, ze):
    """(commune -> zone, counts by how the zone was found, cross-zone mergers)."""
    out, how, mixed = {}, Counter(), []
    for c in current:
        code = c["code"]
        former = c.get("anciensCodes", []) + deleguees.get(code, [])
        zones = {ze[k] for k in [code] + former if k in ze}
        if code in ze:
            out[code] = ze[code]
            how["own code"] += 1
            if len(zones) > 1:
                mixed.append((code, c["nom"], sorted(zones), ze[code]))
        elif zones:
            counts = Counter(ze[k] for k in former if k in ze)
            out[code] = sorted(counts, key=lambda z: (-counts[z], z))[0]
            how["former code"] += 1
        elif FORMER.get(code) in ze:
            out[code] = ze[FORMER[code]]
            how["restored or recoded"] += 1
        elif code.startswith(OUTSIDE):
            how["outside the zonage"] += 1
        else:
            sys.exit(f"commune {code} {c['nom']} has no zone in the source: add it to FORMER")
    return out, how, mixed


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: build_zones.py SOURCE ZE_FILE (SOURCE: folder with geo/communes.json)")
    src, ze_path = sys.argv[1], sys.argv[2]
    out_dir = os.path.dirname(os.path.abspath(__file__))
    rows = read_ze(ze_path)
    ze = {r["CODGEO"].strip().zfill(5): r["ZE2020"].strip().zfill(4) for r in rows}
    names = {r["ZE2020"].strip().zfill(4): r["LIBZE2020"].strip() for r in rows}
    geo = json.load(open(os.path.join(src, "geo", "communes.json"), encoding="utf-8"))
    current = sorted((c for c in geo if c.get("type") == "commune-actuelle"), key=lambda c: c["code"])
    deleguees = {}
    for c in geo:
        if c.get("type") in ("commune-deleguee", "commune-associee") and c.get("chefLieu"):
            deleguees.setdefault(c["chefLieu"], []).append(c["code"])
    zone_of, how, mixed = resolve(current, deleguees, ze)

    with open(os.path.join(out_dir, "zones_emploi_2020.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name"])
        w.writerows(sorted(names.items()))
    with open(os.path.join(out_dir, "communes_ze2020.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["commune", "zone"])
        w.writerows(sorted(zone_of.items()))

    metro = {z for k, z in ze.items() if not k.startswith("97")}
    print(f"source: {len(rows)} communes, {len(names)} zones ({len(metro)} metropolitan, "
          f"{len(set(names) - metro)} overseas)")
    print(f"current communes: {len(current)}; zone found by " +
          ", ".join(f"{k}: {v}" for k, v in sorted(how.items())))
    print(f"source communes no longer current: {len(set(ze) - {c['code'] for c in current})}")
    print(f"communes nouvelles whose former communes lay in different zones: {len(mixed)}")
    for m in mixed:
        print("  ", *m)


if __name__ == "__main__":
    main()
