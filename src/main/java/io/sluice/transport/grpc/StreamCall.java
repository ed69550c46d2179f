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
import io.sluice.transport.grpc.proto.Envelope;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;

/** One {@code SendStream} or {@code Exchange} call. */
final class StreamCall extends Calls.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCall.class);
    private final Intake intake;
    private final ServerCall<Envelope, Ack> call;
    private final boolean ackEach;
    private final String remote;
    private final TransportMetrics metrics;
    final Sinks.Many<Item> in = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong demand = new AtomicLong();
    // guarded by 'this'
    private long received;
    private long taken;
    private long discarded;
    private long lastSequence;
    private boolean halfClosed;
    private boolean stopped;
    private boolean closed;
    private boolean probed;
    private boolean headersSent;

    StreamCall(Intake intake, ServerCall<Envelope, Ack> call, boolean ackEach, TransportMetrics metrics) {
        this.intake = intake;
        this.call = call;
        this.ackEach = ackEach;
        this.remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        this.metrics = metrics;
    }

    /** Pipeline demand for this call: read that many more envelopes. */
    void more(long n) {
        demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        pump();
    }

    private void pump() {
        // an Exchange stops reading while its acknowledgements cannot be sent
        if (ackEach && !call.isReady()) {
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
    public void onMessage(Envelope e) {
        Message m = Envelopes.toMessage(e);
        synchronized (this) {
            if (closed) {
                return;
            }
            if (stopped) {
                // asked for only to see whether the client was done: it was not
                closed = true;
                close(call, stopped(taken, lastSequence));
                return;
            }
            received++;
        }
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
            if (ackEach && !closed) {
                send(Ack.newBuilder().setCount(taken).setSequence(m.sequence()).build());
            }
            probe = finishIfDone();
        }
        probe(probe);
    }

    @Override
    public void refused(Message m, String reason) {
        synchronized (this) {
            discarded++;
            if (!closed) {
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
