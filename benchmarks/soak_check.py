#!/usr/bin/env python3
"""Checks one received file of benchmarks/run-soak.sh: every line is a generator reading carrying
"seq":N (N from 0 to COUNT-1, sent in order over one connection). Prints received, lost,
duplicated and reordered counts; exits 1 unless all COUNT arrived exactly once, in order.

usage: soak_check.py FILE COUNT [LABEL]
"""
import sys


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else path
    seen = bytearray(count)
    received = dup = reordered = foreign = 0
    highest = -1
    try:
        f = open(path, 'rb')
    except OSError as e:
        print(f"{label}: cannot read {path}: {e}")
        return 1
    with f:
        for line in f:
            i = line.rfind(b'"seq":')
            if i < 0:
                foreign += 1
                continue
            seq = int(line[i + 6:line.index(b'}', i)])
            received += 1
            if seq < 0 or seq >= count:
                foreign += 1
            elif seen[seq]:
                dup += 1
            else:
                seen[seq] = 1
            if seq < highest:
                reordered += 1
            highest = max(highest, seq)
    lost = count - sum(seen)
    ok = lost == 0 and dup == 0 and reordered == 0 and foreign == 0 and received == count
    print(f"{label}: received {received} of {count}, lost {lost}, duplicated {dup}, reordered {reordered}, "
          f"unexpected lines {foreign}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
