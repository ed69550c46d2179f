package io.sluice.transport.spi;

/** Which side of a pipeline an endpoint is on. */
public enum Role {
    /** Messages come from it (a server source, a generator, a consumer). */
    SOURCE,
    /** Messages go to it (a client sink, a file). */
    SINK
}
