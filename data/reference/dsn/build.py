#!/usr/bin/env python3
"""Builds the trimmed DSN norm tables that `engagement` embeds (src/dsn/norm.rs).

Source: the official DSN datatypes workbook for norm P24V01 (cahier technique 2024,
revision 20231219), exported sheet by sheet to CSV (blocks.csv, fields.csv, data_types.csv...)
(GIP-MDS / net-entreprises; public copy in the GitHub repository krisk78/DSN2CSV,
`dsn-datatypes-CT2024.xlsx`). Only what the reader and writer need is
kept: block hierarchy and cardinalities, and for every rubric its datatype nature, length
bounds and enumerated codes (labels and descriptions are dropped).

Rerun (Python 3.11, standard library only):
    python3 data/reference/dsn/build.py SOURCE_DIR   (the folder of the exported CSVs)
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) != 2:
    sys.exit("usage: build.py SOURCE_DIR (folder of the P24V01 workbook exported to CSV)")
SRC = sys.argv[1]


def rows(name):
    with open(os.path.join(SRC, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main():
    types = {t["Id"]: t for t in rows("data_types.csv")}
    header = rows("header.csv")
    blocks = [("S10.G00.00", "", "1", "1"), ("S20.G00.05", "", "1", "*"), ("S90.G00.90", "", "1", "1")]
    roots = {b[0] for b in blocks}
    assert {h["Id"] for h in header if h["Id"].startswith("S")} <= roots, header
    for b in rows("blocks.csv"):
        blocks.append((b["Id"], b["ParentId"], b["lowerBound"], b["upperBound"]))
    blocks.sort()
    with open(os.path.join(HERE, "blocks.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["block", "parent", "min", "max"])
        w.writerows(blocks)

    out = []
    for r in rows("fields.csv"):
        t = types[r["DataType Id"]]
        codes = []
        if t["Nature"] == "Enumeration":
            for item in (t["Values"] or "").split(";"):
                code = item.split("=", 1)[0].strip()
                if code:
                    codes.append(code)
        rubric = f"{r['Block Id']}.{r['Id']}"
        out.append((rubric, t["Id"], t["Nature"], t["Lg Min"] or "0", t["Lg Max"] or "0", "|".join(sorted(set(codes)))))
    out.sort()
    with open(os.path.join(HERE, "fields.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["rubric", "datatype", "nature", "min_len", "max_len", "codes"])
        w.writerows(out)
    print(f"{len(blocks)} blocks, {len(out)} rubrics")


if __name__ == "__main__":
    main()
