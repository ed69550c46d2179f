/**
 * Health for load balancers: {@link io.sluice.health.HealthState} holds liveness, readiness and
 * per-pipeline state and renders the answers of {@code GET /health/live} and {@code GET /health/ready}
 * (status and JSON body). The gateway updates it as pipelines start, run, drain and stop; the admin
 * server only asks it.
 */
package io.sluice.health;
