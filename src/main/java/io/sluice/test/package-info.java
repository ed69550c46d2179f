/**
 * Helpers for testing pipelines with StepVerifier and JUnit: {@link io.sluice.test.TestSource}
 * (a source driven by the test) and {@link io.sluice.test.CollectingSink} (a sink that keeps what
 * it receives).
 */
package io.sluice.test;
