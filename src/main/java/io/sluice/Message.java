package io.sluice;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one message type that flows through Sluice transports and pipelines.
 *
 * <p>A {@code Message} is immutable and cheap to create: it holds a payload, a small map of
 * string headers, a timestamp (epoch milliseconds), an optional key and a sequence number, and
 * (not part of its value: ignored by {@code equals}) an end-to-end {@link Ack acknowledgement} that
 * copies made with {@code with...} and {@link #toBuilder()} carry along.
 *
 * <h2>Ownership of the payload bytes</h2>
 * To avoid a copy per message on the hot path, a {@code Message} <em>takes ownership</em> of the
 * array given to {@link #of(byte[])} or {@link Builder#payload(byte[])}: the caller must not
 * modify that array afterwards. {@link #payload()} returns the same array without copying; callers
 * must treat it as read-only. Use {@link #payloadCopy()} when a private, mutable copy is needed,
 * or {@link #payloadBuffer()} for a read-only view.
 */
public final class Message {

    private static final byte[] EMPTY = new byte[0];

    private final byte[] payload;
    private final Map<String, String> headers;
    private final long timestamp;
    private final String key;
    private final long sequence;
    private final Ack ack;

    private Message(byte[] payload, Map<String, String> headers, long timestamp, String key, long sequence, Ack ack) {
        this.payload = payload;
        this.headers = headers;
        this.timestamp = timestamp;
        this.key = key;
        this.sequence = sequence;
        this.ack = ack;
    }

    /**
     * A message with the given payload (ownership transferred, see class doc), no headers, no key,
     * sequence 0 and the current time as timestamp.
     *
     * @param payload the payload; not copied
     * @return a new message
     */
    public static Message of(byte[] payload) {
        return new Message(Objects.requireNonNull(payload, "payload"), Map.of(), System.currentTimeMillis(), null, 0L,
                Ack.NONE);
    }

    /**
     * As {@link #of(byte[])} with a timestamp the caller already has: a source that receives many
     * messages at once (the lines of one socket read) reads the clock once for all of them.
     *
     * @param payload the payload; not copied
     * @param timestamp epoch milliseconds
     * @return a new message
     */
    public static Message of(byte[] payload, long timestamp) {
        return new Message(Objects.requireNonNull(payload, "payload"), Map.of(), timestamp, null, 0L, Ack.NONE);
    }

    /**
     * A message whose payload is the UTF-8 encoding of {@code text}.
     *
     * @param text the text
     * @return a new message
     */
    public static Message ofUtf8(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return a builder for a message with an empty payload and, unless one is set, the time of {@code build()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the payload array itself (not a copy); must not be modified */
    public byte[] payload() {
        return payload;
    }

    /** @return a fresh copy of the payload */
    public byte[] payloadCopy() {
        return payload.clone();
    }

    /** @return a read-only view of the payload */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /** @return the payload decoded as UTF-8 */
    public String payloadUtf8() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** @return payload length in bytes */
    public int size() {
        return payload.length;
    }

    /** @return immutable headers, never null */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * @param name header name
     * @return the header value, if present
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /** @return timestamp in epoch milliseconds */
    public long timestamp() {
        return timestamp;
    }

    /** @return the optional key */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** @return the sequence number */
    public long sequence() {
        return sequence;
    }

    /**
     * @param newSequence the sequence number
     * @return a copy of this message (sharing the payload) with another sequence number
     */
    public Message withSequence(long newSequence) {
        return new Message(payload, headers, timestamp, key, newSequence, ack);
    }

    /**
     * @param newAck the acknowledgement this copy carries
     * @return a copy of this message (sharing the payload) that carries {@code newAck} instead
     */
    public Message withAck(Ack newAck) {
        return new Message(payload, headers, timestamp, key, sequence, Objects.requireNonNull(newAck, "ack"));
    }

    /** Acknowledges this message: tells whoever handed it over that it is safe now (see {@link Ack}). */
    public void ack() {
        ack.done();
    }

    /**
     * Refuses this message: tells whoever handed it over that it was not taken (see
     * {@link Ack#refused(String)}).
     *
     * @param reason why, for the sender and the logs
     */
    public void refuse(String reason) {
        ack.refused(reason);
    }

    /** @return true when somebody waits for this message's acknowledgement */
    public boolean awaitsAck() {
        return ack != Ack.NONE;
    }

    /**
     * @param name header name
     * @param value header value
     * @return a copy of this message (sharing the payload) with the header set
     */
    public Message withHeader(String name, String value) {
        return toBuilder().header(name, value).build();
    }

    /** @return a builder initialised from this message (sharing the payload) */
    public Builder toBuilder() {
        Builder b = new Builder().payload(payload).timestamp(timestamp).key(key).sequence(sequence).ack(ack);
        b.headers = headers; // immutable: shared until a header is set
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Message)) {
            return false;
        }
        Message m = (Message) o;
        return timestamp == m.timestamp && sequence == m.sequence && Arrays.equals(payload, m.payload)
                && headers.equals(m.headers) && Objects.equals(key, m.key);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(payload) + headers.hashCode()) + Long.hashCode(sequence);
    }

    @Override
    public String toString() {
        return "Message{size=" + payload.length + ", seq=" + sequence + ", key=" + key + ", headers=" + headers
                + ", ts=" + timestamp + '}';
    }

    /** Builder of {@link Message}; not thread-safe. */
    public static final class Builder {
        private byte[] payload = EMPTY;
        private Map<String, String> headers = Map.of();
        private java.util.LinkedHashMap<String, String> mutableHeaders;
        private long timestamp;
        /** Whether {@link #timestamp(long)} was called; if not, {@link #build()} reads the clock. */
        private boolean timestampSet;
        private String key;
        private long sequence;
        private Ack ack = Ack.NONE;

        private Builder() {
        }

        /**
         * @param bytes payload; ownership transferred (not copied)
         * @return this
         */
        public Builder payload(byte[] bytes) {
            this.payload = Objects.requireNonNull(bytes, "payload");
            return this;
        }

        /**
         * @param name header name
         * @param value header value
         * @return this
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            if (mutableHeaders == null) {
                mutableHeaders = new java.util.LinkedHashMap<>(headers);
            }
            mutableHeaders.put(name, value);
            return this;
        }

        /**
         * @param all headers to set
         * @return this
         */
        public Builder headers(Map<String, String> all) {
            if (mutableHeaders == null && headers.isEmpty()) {
                // the first headers: one immutable copy (none at all for a Map.of), no intermediate map
                headers = Map.copyOf(all);
                return this;
            }
            all.forEach(this::header);
            return this;
        }

        /**
         * @param epochMillis timestamp
         * @return this
         */
        public Builder timestamp(long epochMillis) {
            this.timestamp = epochMillis;
            this.timestampSet = true;
            return this;
        }

        /**
         * @param k key, or null for none
         * @return this
         */
        public Builder key(String k) {
            this.key = k;
            return this;
        }

        /**
         * @param seq sequence number
         * @return this
         */
        public Builder sequence(long seq) {
            this.sequence = seq;
            return this;
        }

        /**
         * @param a the acknowledgement the message carries (default {@link Ack#NONE})
         * @return this
         */
        public Builder ack(Ack a) {
            this.ack = Objects.requireNonNull(a, "ack");
            return this;
        }

        /** @return the message */
        public Message build() {
            Map<String, String> h = mutableHeaders == null ? headers : Map.copyOf(mutableHeaders);
            // the clock only when no timestamp was given (sources that carry one skip the read)
            return new Message(payload, h, timestampSet ? timestamp : System.currentTimeMillis(), key, sequence, ack);
        }
    }
}
