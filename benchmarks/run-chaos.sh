#!/usr/bin/env bash
# Chaos run (issue 17): a gateway with four pipelines for 10 minutes while its receivers are killed
# and restarted, the TCP receiver drops connections at random and malformed input arrives on the
# side; at the end every pipeline's accounting must add up and the lossless (HTTP) pipeline must
# have delivered every message it acknowledged. What is checked: benchmarks/chaos.py.
# Results: benchmarks/results/chaos-<UTC time>.{txt,json}; exit 1 when a check fails.
#
#   benchmarks/run-chaos.sh            # 600 s
#   DURATION=60 benchmarks/run-chaos.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
[ -n "${SKIP_BUILD:-}" ] || (cd "$root" && mvn -q -B -DskipTests -Djacoco.skip=true package)
jar="$(ls "$root"/target/sluice-*-cli.jar)"
echo "commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
exec python3 "$here/chaos.py" "$jar" "$here/results" "${DURATION:-600}"
