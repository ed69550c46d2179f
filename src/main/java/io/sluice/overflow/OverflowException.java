package io.sluice.overflow;

/**
 * Signalled downstream by an {@link Overflow#fail(int)} stage whose buffer was full when an element
 * arrived. The element that did not fit was handed to the drop hook and counted.
 */
public final class OverflowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int capacity;

    /**
     * @param stage name of the overflow stage
     * @param capacity its capacity
     */
    public OverflowException(String stage, int capacity) {
        super("overflow stage '" + stage + "' is full (capacity " + capacity + ")");
        this.capacity = capacity;
    }

    /** @return the capacity that was exceeded */
    public int capacity() {
        return capacity;
    }
}
