/**
 * The fluent pipeline DSL: {@link io.sluice.pipeline.Pipeline} chains a
 * {@link io.sluice.pipeline.Source}, stages and overflow policies into a
 * {@link io.sluice.pipeline.Sink}; {@link io.sluice.pipeline.PipelineHandle} stops (draining) or
 * cancels a running pipeline.
 */
package io.sluice.pipeline;
