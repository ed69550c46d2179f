/**
 * Running statistics for pipelines: {@link io.sluice.stats.RunningStats} (count, mean, variance,
 * min, max in one pass, mergeable), {@link io.sluice.stats.StatsRecorder} (striped, for many
 * writers), {@link io.sluice.stats.Stats} (a pipeline tap) and the immutable
 * {@link io.sluice.stats.StatsSnapshot} they report.
 */
package io.sluice.stats;
