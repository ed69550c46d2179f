package io.sluice.transport.http;

import io.netty.buffer.ByteBuf;
import io.sluice.transport.internal.TransportSupport;
import java.util.Arrays;

/** Accumulates a request body by copying each chunk out of its (then released) buffer. */
final class Body {
    private static final byte[] EMPTY = new byte[0];
    private final int max;
    private byte[] bytes;
    int size;

    /** @param declared the Content-Length, or -1: the array is allocated at that size once */
    Body(int max, long declared) {
        this.max = max;
        this.bytes = declared > 0 && declared <= max ? new byte[(int) declared] : EMPTY;
    }

    /** @return false when the body would exceed the maximum (nothing more is kept) */
    boolean add(ByteBuf chunk) {
        int n = chunk.readableBytes();
        if ((long) size + n > max) {
            return false;
        }
        bytes = TransportSupport.grow(bytes, size + n, max);
        chunk.readBytes(bytes, size, n);
        size += n;
        return true;
    }

    byte[] bytes() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }
}
