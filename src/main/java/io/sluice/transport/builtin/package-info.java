/**
 * Endpoint types that need no network: the {@code generator} source (test and load traffic) and the
 * {@code stdout} and {@code discard} sinks, offered to the gateway by {@link
 * io.sluice.transport.builtin.BuiltinProvider} like any other transport.
 */
package io.sluice.transport.builtin;
