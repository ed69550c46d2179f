/**
 * A transport that exists only on the test class path: one folder plus one line in
 * {@code src/test/resources/META-INF/services/io.sluice.transport.spi.TransportProvider}, nothing in
 * the gateway. Tests prove the gateway finds it, validates its options and runs it.
 */
package io.sluice.testtransport;
