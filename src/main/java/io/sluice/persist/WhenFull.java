package io.sluice.persist;

/** What a persistent stage does with an incoming message when its log holds {@code maxBytes}. */
public enum WhenFull {
    /** Upstream is backpressured until acknowledged records free space; nothing is dropped. */
    BLOCK,
    /** The incoming message is dropped and counted; the log keeps what it holds. */
    DROP_NEWEST
}
