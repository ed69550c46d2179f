package io.sluice.transport.grpc;

import static io.sluice.transport.grpc.Calls.close;
import static io.sluice.transport.grpc.Calls.stopped;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.Calls.Item;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Batch;
import io.sluice.transport.grpc.proto.Envelope;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;

/**
 * One {@code SendStream} or {@code Exchange} call (one envelope per request message), or one
 * {@code SendBatches} or {@code ExchangeBatches} call (a batch of envelopes per request message).
 * Counts, acknowledgements and demand are in envelopes either way. A batch call reads one batch at
 * a time, and only while the pipeline's demand is not covered by the envelopes already received, so
 * at most one batch beyond the demand waits in the source; its {@code ExchangeBatches} answer is one
 * cumulative {@code Ack} per batch, once its last envelope was taken.
 *
 * @param <Q> {@code Envelope} or {@code Batch}
 */
final class StreamCall<Q> extends Calls.Listener<Q> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCall.class);
    private final Intake intake;
    private final ServerCall<Q, Ack> call;
    private final boolean ackEach;
    private final boolean batches;
    private final String remote;
    private final TransportMetrics metrics;
    final Sinks.Many<Item> in = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong demand = new AtomicLong();
    /** Batches: one batch was asked for and has not arrived. */
    private final AtomicBoolean reading = new AtomicBoolean();
    /** ExchangeBatches: the envelope count at the end of each received batch not yet acknowledged. */
    private final ArrayDeque<Long> batchEnds = new ArrayDeque<>();
    // guarded by 'this'
    private long received;
    private long taken;
    private long discarded;
    private long lastSequence;
    /** ExchangeBatches: the count of the last Ack sent. */
    private long acked;
    private boolean halfClosed;
    private boolean stopped;
    private boolean closed;
    private boolean probed;
    private boolean headersSent;

    StreamCall(Intake intake, ServerCall<Q, Ack> call, boolean ackEach, boolean batches, TransportMetrics metrics) {
        this.intake = intake;
        this.call = call;
        this.ackEach = ackEach;
        this.batches = batches;
        this.remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        this.metrics = metrics;
    }

    /** Pipeline demand for this call: read that many more envelopes. */
    void more(long n) {
        // a batch call's demand goes below zero when a batch brought more envelopes than were asked for
        demand.getAndAccumulate(n, (a, b) -> a > 0 && b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b);
        pump();
    }

    private void pump() {
        // an Exchange stops reading while its acknowledgements cannot be sent
        if (ackEach && !call.isReady()) {
            return;
        }
        if (batches) {
            if (demand.get() > 0 && reading.compareAndSet(false, true)) {
                call.request(1);
            }
            return;
        }
        long d = demand.getAndSet(0);
        while (d > 0) {
            int r = (int) Math.min(d, Integer.MAX_VALUE);
            call.request(r);
            d -= r;
        }
    }

    @Override
    public void onReady() {
        pump();
    }

    @Override
    public void onMessage(Q request) {
        if (request instanceof Batch b) {
            List<Envelope> envelopes = b.getEnvelopesList();
            Message[] messages = new Message[envelopes.size()];
            for (int i = 0; i < messages.length; i++) {
                messages[i] = Envelopes.toMessage(envelopes.get(i));
            }
            demand.addAndGet(-messages.length);
            reading.set(false);
            if (accepted(messages.length)) {
                for (Message m : messages) {
                    emit(m);
                }
                pump();
            }
        } else {
            Message m = Envelopes.toMessage((Envelope) request);
            if (accepted(1)) {
                emit(m);
            }
        }
    }

    /** @return whether the call takes {@code n} more envelopes (it was neither closed nor stopped) */
    private synchronized boolean accepted(int n) {
        if (closed) {
            return false;
        }
        if (stopped) {
            // asked for only to see whether the client was done: it was not
            flushAck();
            closed = true;
            close(call, stopped(taken, lastSequence));
            return false;
        }
        received += n;
        if (batches && ackEach && n > 0) {
            batchEnds.add(received);
        }
        return true;
    }

    private void emit(Message m) {
        metrics.message(m.size());
        Sinks.EmitResult r = in.tryEmitNext(new Item(m, this));
        if (r.isFailure()) {
            discarded();
        }
    }

    @Override
    public void taken(Message m) {
        boolean probe;
        synchronized (this) {
            taken++;
            lastSequence = m.sequence();
            if (ackEach && !closed && (!batches || endsBatch())) {
                acked = taken;
                send(Ack.newBuilder().setCount(taken).setSequence(m.sequence()).build());
            }
            probe = finishIfDone();
        }
        probe(probe);
    }

    /** @return whether the envelope just taken is the last of its batch (then that batch is done); caller holds the lock */
    private boolean endsBatch() {
        Long end = batchEnds.peek();
        if (end == null || end != taken) {
            return false;
        }
        batchEnds.poll();
        return true;
    }

    /** ExchangeBatches: the pipeline stopped taking for now; what it took of a batch is acknowledged without waiting for the batch's end. */
    @Override
    public void idle() {
        synchronized (this) {
            flushAck();
        }
    }

    /** ExchangeBatches: acknowledges what was taken and not yet acknowledged; caller holds the lock. */
    private void flushAck() {
        if (batches && ackEach && !closed && taken > acked) {
            acked = taken;
            send(Ack.newBuilder().setCount(taken).setSequence(lastSequence).build());
        }
    }

    @Override
    public void refused(Message m, String reason) {
        synchronized (this) {
            discarded++;
            if (!closed) {
                flushAck();
                closed = true;
                close(call, Status.RESOURCE_EXHAUSTED.withDescription(reason + "; " + taken
                        + " envelope(s) of this call acknowledged" + (taken > 0 ? ", the last with sequence "
                        + lastSequence : "")));
            }
        }
    }

    @Override
    public void discarded() {
        synchronized (this) {
            discarded++;
            finishIfDone();
        }
    }

    @Override
    public void onHalfClose() {
        synchronized (this) {
            halfClosed = true;
            finishIfDone();
        }
        in.tryEmitComplete();
    }

    void stop() {
        boolean probe;
        synchronized (this) {
            stopped = true;
            probe = finishIfDone();
        }
        probe(probe);
    }

    /**
     * A stopped call whose envelopes all reached the pipeline asks for one more message: a
     * client that sent everything half-closes next, one that did not sends an envelope.
     */
    private void probe(boolean probe) {
        if (probe) {
            call.request(1);
        }
    }

    /**
     * Ends the call once every received envelope was taken or dropped; caller holds the lock.
     *
     * @return whether the caller must {@link #probe} (outside the lock)
     */
    private boolean finishIfDone() {
        if (closed || taken + discarded < received) {
            return false;
        }
        if (discarded > 0) {
            flushAck();
            closed = true;
            close(call, stopped(taken, lastSequence));
        } else if (halfClosed) {
            closed = true;
            if (!ackEach) {
                send(Ack.newBuilder().setCount(taken).setSequence(lastSequence).build());
            }
            close(call, Status.OK);
        } else if (stopped && !probed) {
            probed = true;
            return true;
        }
        return false;
    }

    private void send(Ack ack) {
        try {
            if (!headersSent) {
                headersSent = true;
                call.sendHeaders(new Metadata());
            }
            call.sendMessage(ack);
        } catch (IllegalStateException e) {
            LOG.debug("grpc call from {} ended before its ack: {}", remote, e.getMessage());
        }
    }

    @Override
    void ended() {
        synchronized (this) {
            closed = true;
        }
        intake.ended(this);
        // what was received still goes to the pipeline; it can no longer be acknowledged
        in.tryEmitComplete();
    }
}
