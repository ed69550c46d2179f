package io.sluice.persist;

/**
 * Settings of one log.
 *
 * @param segmentBytes a segment is rolled once it holds this many bytes
 * @param blockSize fragment block size (resynchronisation unit), {@link Format#DEFAULT_BLOCK} in production
 * @param maxBytes bound on the bytes of all segments together
 * @param fsync when appends are forced
 * @param maxRecordBytes largest encoded record accepted
 */
record LogConfig(long segmentBytes, int blockSize, long maxBytes, Fsync fsync, int maxRecordBytes) {
    LogConfig {
        if (blockSize < 64 || blockSize > Format.MAX_BLOCK) {
            throw new IllegalArgumentException("blockSize must be in [64, " + Format.MAX_BLOCK + "], was " + blockSize);
        }
        if (segmentBytes < blockSize) {
            throw new IllegalArgumentException("segmentBytes must be at least the block size " + blockSize + ", was " + segmentBytes);
        }
        if (maxBytes < 2 * segmentBytes) {
            throw new IllegalArgumentException("maxBytes must be at least two segments (" + 2 * segmentBytes + "), was " + maxBytes);
        }
        if (maxRecordBytes < 64) {
            throw new IllegalArgumentException("maxRecordBytes must be at least 64, was " + maxRecordBytes);
        }
    }
}
