package io.sluice.transport.resp;

/**
 * Network settings shared by the RESP endpoints.
 *
 * @param host bind address
 * @param port bind port, 0 for an ephemeral one
 * @param maxConnections most connections open at once; more are refused
 * @param maxBulkLength longest bulk string accepted (bytes); a longer one closes the connection
 * @param maxArguments most elements in one request array
 * @param eventLoopThreads threads of the dedicated event loops ({@link RespLoops}), 0 for reactor-netty's shared ones
 */
record RespSettings(String host, int port, int maxConnections, int maxBulkLength, int maxArguments,
                    int eventLoopThreads) {

    /** Default longest bulk string: 512 KiB. */
    static final int DEFAULT_MAX_BULK_LENGTH = 512 * 1024;
    /** Default most elements per request. */
    static final int DEFAULT_MAX_ARGUMENTS = 1024;
    /** Default most open connections. */
    static final int DEFAULT_MAX_CONNECTIONS = 256;
    /** Default event-loop threads: one, shared by the process's RESP servers (as redis-server serves). */
    static final int DEFAULT_EVENT_LOOP_THREADS = 1;

    RespSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (maxConnections < 1 || maxBulkLength < 1 || maxArguments < 1) {
            throw new IllegalArgumentException("maxConnections, maxBulkLength and maxArguments must be at least 1");
        }
        if (eventLoopThreads < 0) {
            throw new IllegalArgumentException("eventLoopThreads must be at least 0, was " + eventLoopThreads);
        }
    }
}
