/**
 * The {@code sluice} command line (picocli): {@code run}, {@code validate} and {@code edit} a gateway
 * configuration, list the {@code transports}, and the demos. This package writes to the terminal; the
 * library packages log through SLF4J.
 */
package io.sluice.cli;
