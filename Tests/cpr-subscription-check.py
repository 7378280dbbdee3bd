#!/usr/bin/env python3
"""An independent reader of CPR files, as a receiver's importer would write one: checks a
subscription's daily file against the municipality change extract of the same day.

It shares no code with the writer: it slices the fixed-width ISO-8859-1 records by the
positions of the CPR office's layout (000, 001, 099, 999), and it decides which persons a
subscription must hold from its filters alone:

  expected = the change extract's persons whose PNR is followed, or who have a 099 event
             whose code is followed, or all of them when the municipality is followed,
             each with exactly the records the change extract has for them.

Usage: cpr-subscription-check.py --change F --subscription F [--pnrs FILE] [--codes A05,A06]
       [--whole-municipality] [--date YYYYMMDD] [--previous YYYYMMDD|00000000]
Prints one JSON object {"ok": ..., "persons": ..., "errors": [...]} and exits 0 when ok.
"""
import argparse
import json
import sys


def read(path):
    with open(path, "rb") as f:
        text = f.read().decode("iso-8859-1")
    return [line for line in text.split("\n") if line != ""]


def check_frame(name, lines, errors, date=None, previous=None):
    if not lines or lines[0][0:3] != "000":
        errors.append(f"{name}: the first record is not 000")
        return
    if lines[-1][0:3] != "999":
        errors.append(f"{name}: the last record is not 999 (the file is cut short)")
        return
    count = int(lines[-1][13:21])
    if count != len(lines) - 2:
        errors.append(f"{name}: 999 TAELLER says {count} records, the file holds {len(lines) - 2}")
    if date is not None and lines[0][19:27] != date:
        errors.append(f"{name}: 000 PRODDTO is {lines[0][19:27]}, expected {date}")
    if previous is not None and lines[0][27:35] != previous:
        errors.append(f"{name}: 000 PRODDTOFORRIG is {lines[0][27:35]}, expected {previous}")


def persons(lines):
    """[(pnr, [records])] in file order; a person starts at its 001 record."""
    out = []
    for line in lines[1:-1]:
        if line[0:3] == "001":
            out.append((line[3:13], [line]))
        elif out:
            out[-1][1].append(line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--change", required=True)
    ap.add_argument("--subscription", required=True)
    ap.add_argument("--pnrs")
    ap.add_argument("--codes", default="")
    ap.add_argument("--whole-municipality", action="store_true")
    ap.add_argument("--date")
    ap.add_argument("--previous")
    a = ap.parse_args()

    pnrs = set()
    if a.pnrs:
        with open(a.pnrs) as f:
            pnrs = {line.strip() for line in f if line.strip()}
    codes = {c for c in a.codes.split(",") if c}
    errors = []
    change = read(a.change)
    sub = read(a.subscription)
    check_frame("change extract", change, errors, date=a.date)
    check_frame("subscription file", sub, errors, date=a.date, previous=a.previous)
    if errors:
        print(json.dumps({"ok": False, "persons": 0, "errors": errors}))
        return 1

    def followed(pnr, records):
        if a.whole_municipality or pnr in pnrs:
            return True
        return any(r[0:3] == "099" and r[25:28] in codes for r in records)

    expected = [p for p in persons(change) if followed(*p)]
    got = persons(sub)
    if [p for p, _ in got] != [p for p, _ in expected]:
        missing = sorted({p for p, _ in expected} - {p for p, _ in got})
        extra = sorted({p for p, _ in got} - {p for p, _ in expected})
        errors.append(f"persons differ: missing {missing[:10]}, not followed but present {extra[:10]}")
    else:
        for (pnr, mine), (_, theirs) in zip(got, expected):
            if mine != theirs:
                errors.append(f"{pnr}: its records differ from the change extract's")
    print(json.dumps({"ok": not errors, "persons": len(got), "errors": errors}))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
