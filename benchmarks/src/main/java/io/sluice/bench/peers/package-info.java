/** Peers' baselines for {@code benchmarks/run-peers.sh}: the bare reactor-netty HTTP handler. */
package io.sluice.bench.peers;
