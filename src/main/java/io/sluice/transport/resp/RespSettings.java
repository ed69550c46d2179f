package io.sluice.transport.resp;

/**
 * Network settings shared by the RESP endpoints.
 *
 * @param host bind address
 * @param port bind port, 0 for an ephemeral one
 * @param maxConnections most connections open at once; more are refused
 * @param maxBulkLength longest bulk string accepted (bytes); a longer one closes the connection
 * @param maxArguments most elements in one request array
 */
record RespSettings(String host, int port, int maxConnections, int maxBulkLength, int maxArguments) {

    /** Default longest bulk string: 512 KiB. */
    static final int DEFAULT_MAX_BULK_LENGTH = 512 * 1024;
    /** Default most elements per request. */
    static final int DEFAULT_MAX_ARGUMENTS = 1024;
    /** Default most open connections. */
    static final int DEFAULT_MAX_CONNECTIONS = 256;

    RespSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (maxConnections < 1 || maxBulkLength < 1 || maxArguments < 1) {
            throw new IllegalArgumentException("maxConnections, maxBulkLength and maxArguments must be at least 1");
        }
    }
}
