#!/usr/bin/env bash
# Mutation testing (PIT) of the core packages, not part of the default build (about 15-25 minutes
# on 2 cores for everything). Runs PIT once per package, each against its own tests only, so a
# score says how well that package's tests pin its behaviour down:
#   scripts/mutation.sh                      all packages below
#   scripts/mutation.sh stats pipeline       some of them
#   PIT_THREADS=1 scripts/mutation.sh overflow   one PIT worker (default 2) on a shared machine
# The persistent log (persist) is not in the default list: its crash model makes it slow; run it
# by name (PLOG_STEPS, default 3000, sets the crash model's steps per fsync policy under PIT).
# Reports: target/pit-reports/<package>/{index.html,mutations.xml}; a summary table (one row per
# package, with the survivors listed) is printed and written to
# benchmarks/results/mutation-<UTC date>.md together with a CSV of every mutant.
# Needs python3 for the summary. The jcstress classes are not run (they are not tests); the
# Reactive Streams TCK (TestNG) runs through testng-engine on the JUnit Platform, so its kills count.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

declare -A CLASSES TESTS
CLASSES[overflow]='io.sluice.overflow.*'
TESTS[overflow]='io.sluice.overflow.*'
CLASSES[event]='io.sluice.event.*'
TESTS[event]='io.sluice.event.*'
CLASSES[stats]='io.sluice.stats.*'
TESTS[stats]='io.sluice.stats.*'
CLASSES[pipeline]='io.sluice.pipeline.*'
TESTS[pipeline]='io.sluice.pipeline.*'
# overflow includes the priority stage (PrioritySubscriber, PriorityBuffer) since it landed.
CLASSES[persist]='io.sluice.persist.*'
TESTS[persist]='io.sluice.persist.*'
# The config side of the gateway: YAML -> validated GatewayConfig -> steps and keyed stats
# (not the transports it wires up, nor the admin HTTP server). BindCheck, OptionsReader and
# YamlNodes come with the transport-provider rewrite of the config reader.
CLASSES[gateway-config]='io.sluice.gateway.ConfigReader*,io.sluice.gateway.OptionKind*,io.sluice.gateway.GatewayConfig*,io.sluice.gateway.Catalog*,io.sluice.gateway.Steps*,io.sluice.gateway.Durations*,io.sluice.gateway.ConfigError*,io.sluice.gateway.ConfigException*,io.sluice.gateway.KeyedStats*,io.sluice.gateway.BindCheck*,io.sluice.gateway.OptionsReader*,io.sluice.gateway.YamlNodes*'
TESTS[gateway-config]='io.sluice.gateway.*'
ALL=(overflow event stats pipeline gateway-config)
KNOWN=("${ALL[@]}" persist)

packages=("$@")
[ ${#packages[@]} -eq 0 ] && packages=("${ALL[@]}")
for p in "${packages[@]}"; do
  [ -n "${CLASSES[$p]:-}" ] || { echo "unknown package '$p' (known: ${KNOWN[*]})" >&2; exit 2; }
done

mvn -q -B -Pmutation -DskipTests test-compile
for p in "${packages[@]}"; do
  echo "== PIT: $p"
  extra=()
  if [ "$p" = persist ]; then
    # PIT takes the surefire argLine; repeat it and shorten the crash model
    extra=("-DargLine=-Dio.netty.leakDetection.level=paranoid -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid -Dplog.steps=${PLOG_STEPS:-3000}")
  fi
  mvn -q -B -Pmutation org.pitest:pitest-maven:mutationCoverage -Dmutation.threads="${PIT_THREADS:-2}" \
    -Dmutation.name="$p" -Dmutation.targetClasses="${CLASSES[$p]}" -Dmutation.targetTests="${TESTS[$p]}" \
    "${extra[@]}"
done

stamp="$(date -u +%Y-%m-%d)"
mkdir -p benchmarks/results
python3 "$here/mutation-summary.py" "$stamp" "${packages[@]}"
