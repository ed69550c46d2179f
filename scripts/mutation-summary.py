#!/usr/bin/env python3
"""Summarises PIT's mutations.xml per package (see scripts/mutation.sh).

usage: mutation-summary.py <stamp> <package>...
Writes benchmarks/results/mutation-<stamp>.md (table + survivors) and mutation-<stamp>.csv (every
mutant), reading target/pit-reports/<package>/mutations.xml.
"""
import csv
import sys
import xml.etree.ElementTree as ET

DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR"}


def main():
    stamp, packages = sys.argv[1], sys.argv[2:]
    rows, table, survivors = [], [], []
    for p in packages:
        root = ET.parse(f"target/pit-reports/{p}/mutations.xml").getroot()
        n = killed = survived = nocov = timed = 0
        for m in root.iter("mutation"):
            status = m.get("status")
            cls = m.findtext("mutatedClass")
            line = int(m.findtext("lineNumber"))
            mutator = m.findtext("mutator").rsplit(".", 1)[-1]
            desc = m.findtext("description")
            method = m.findtext("mutatedMethod")
            rows.append([p, cls, method, line, mutator, status, m.findtext("killingTest") or "", desc])
            n += 1
            if status in DETECTED:
                killed += 1
                timed += status == "TIMED_OUT"
            elif status == "NO_COVERAGE":
                nocov += 1
                survivors.append((p, cls, line, method, desc, status))
            else:
                survived += 1
                survivors.append((p, cls, line, method, desc, status))
        score = 100.0 * killed / n if n else 0.0
        covered = n - nocov
        strength = 100.0 * killed / covered if covered else 0.0
        table.append((p, n, killed, timed, survived, nocov, score, strength))
    with open(f"benchmarks/results/mutation-{stamp}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["package", "class", "method", "line", "mutator", "status", "killing_test", "description"])
        w.writerows(rows)
    out = [f"# PIT mutation scores ({stamp} UTC)", "",
           "`scripts/mutation.sh " + " ".join(packages) + "`; each package against its own tests; "
           "detected = killed + timed out. Every mutant: `mutation-" + stamp + ".csv`.", "",
           "| package | mutants | detected | (of which timed out) | survived | no coverage | score | test strength |",
           "|---|---|---|---|---|---|---|---|"]
    for p, n, k, t, s, nc, sc, st in table:
        out.append(f"| {p} | {n} | {k} | {t} | {s} | {nc} | {sc:.0f}% | {st:.0f}% |")
    out += ["", "## Mutants not detected", ""]
    for p, cls, line, method, desc, status in sorted(survivors):
        out.append(f"- {p}: `{cls.rsplit('.', 1)[-1]}:{line}` {method}: {desc} ({status})")
    with open(f"benchmarks/results/mutation-{stamp}.md", "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out[:6 + len(table)]))


if __name__ == "__main__":
    main()
