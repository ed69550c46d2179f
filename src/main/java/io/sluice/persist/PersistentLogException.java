package io.sluice.persist;

/**
 * The persistent log refused to open (the directory is not writable, is in use by another
 * process, or holds data of a newer format) or failed to write. The message states the exact
 * reason and the directory; nothing on disk was changed by the refusal.
 */
public final class PersistentLogException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the exact reason
     * @param cause the underlying error, or null
     */
    public PersistentLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
