#!/usr/bin/env python3
"""Convert the public reference files into the compact CSVs that `engagement` ships.

Sources: @etalab/decoupage-administratif 6.0.0 (npm; communes.json, departements.json,
regions.json, INSEE's Code officiel géographique, MIT) and @socialgouv/codes-naf 1.1.1
(npm; naf-rev2.json, Apache-2.0), laid out as SOURCE/geo/*.json and SOURCE/naf/naf-rev2.json.

Run from the repository root:  python3 data/reference/build_reference.py SOURCE
Outputs (UTF-8, comma-separated, header row):
  naf.csv          level,code,label,section,division  (sections A-U derived from division ranges)
  communes.csv     code,name,departement,region,population   (current communes only)
  departements.csv code,name,region
  regions.csv      code,name
"""
import csv, json, sys, os

if len(sys.argv) != 2:
    sys.exit("usage: build_reference.py SOURCE (folder with geo/ and naf/)")
src = sys.argv[1]
out = os.path.dirname(os.path.abspath(__file__))

# INSEE NAF rév. 2 sections by division range.
SECTIONS = [
    ("A", 1, 3, "Agriculture, sylviculture et pêche"),
    ("B", 5, 9, "Industries extractives"),
    ("C", 10, 33, "Industrie manufacturière"),
    ("D", 35, 35, "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné"),
    ("E", 36, 39, "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution"),
    ("F", 41, 43, "Construction"),
    ("G", 45, 47, "Commerce ; réparation d'automobiles et de motocycles"),
    ("H", 49, 53, "Transports et entreposage"),
    ("I", 55, 56, "Hébergement et restauration"),
    ("J", 58, 63, "Information et communication"),
    ("K", 64, 66, "Activités financières et d'assurance"),
    ("L", 68, 68, "Activités immobilières"),
    ("M", 69, 75, "Activités spécialisées, scientifiques et techniques"),
    ("N", 77, 82, "Activités de services administratifs et de soutien"),
    ("O", 84, 84, "Administration publique"),
    ("P", 85, 85, "Enseignement"),
    ("Q", 86, 88, "Santé humaine et action sociale"),
    ("R", 90, 93, "Arts, spectacles et activités récréatives"),
    ("S", 94, 96, "Autres activités de services"),
    ("T", 97, 98, "Activités des ménages en tant qu'employeurs"),
    ("U", 99, 99, "Activités extra-territoriales"),
]

def section_of(div):
    d = int(div)
    for s, lo, hi, _ in SECTIONS:
        if lo <= d <= hi:
            return s
    raise ValueError(div)

naf = json.load(open(os.path.join(src, "naf", "naf-rev2.json"), encoding="utf-8"))
rows = [("section", s, label, s, "") for s, _, _, label in SECTIONS]
for item in naf:
    code = item["id"]
    div = code[:2]
    if len(code) == 2:
        level = "division"
    elif len(code) == 4:
        level = "group"
    elif len(code) == 5:
        level = "class"
    elif len(code) == 6:
        level = "subclass"
    else:
        raise ValueError(code)
    # APET codes are written without the dot in DSN (S21.G00.11.002, e.g. 5610C).
    rows.append((level, code.replace(".", ""), item["label"], section_of(div), div))
with open(os.path.join(out, "naf.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["level", "code", "label", "section", "division"])
    w.writerows(rows)

communes = json.load(open(os.path.join(src, "geo", "communes.json"), encoding="utf-8"))
with open(os.path.join(out, "communes.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "departement", "region", "population"])
    for c in sorted(communes, key=lambda c: c["code"]):
        if c.get("type") != "commune-actuelle":
            continue
        w.writerow([c["code"], c["nom"], c["departement"], c["region"], c.get("population") or 0])

deps = json.load(open(os.path.join(src, "geo", "departements.json"), encoding="utf-8"))
with open(os.path.join(out, "departements.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "region"])
    for d in sorted(deps, key=lambda d: d["code"]):
        w.writerow([d["code"], d["nom"], d["region"]])

regs = json.load(open(os.path.join(src, "geo", "regions.json"), encoding="utf-8"))
with open(os.path.join(out, "regions.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name"])
    for r in sorted(regs, key=lambda r: r["code"]):
        w.writerow([r["code"], r["nom"]])
