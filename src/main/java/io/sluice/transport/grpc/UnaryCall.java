package io.sluice.transport.grpc;

import static io.sluice.transport.grpc.Calls.close;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * One {@code Send} call. States: waiting for demand, admitted (its request was asked for),
 * received (its envelope is on the way to the pipeline), done. Every transition to done is a
 * compare-and-set, so exactly one party answers the call.
 */
final class UnaryCall extends Calls.Listener<Envelope> {
    private static final Logger LOG = LoggerFactory.getLogger(UnaryCall.class);
    private static final int WAITING = 0;
    private static final int ADMITTED = 1;
    private static final int RECEIVED = 2;
    private static final int DONE = 3;

    private final Intake intake;
    private final ServerCall<Envelope, Ack> call;
    private final Duration unaryWait;
    private final TransportMetrics metrics;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private volatile Disposable timer;

    UnaryCall(Intake intake, ServerCall<Envelope, Ack> call, Duration unaryWait, TransportMetrics metrics) {
        this.intake = intake;
        this.call = call;
        this.unaryWait = unaryWait;
        this.metrics = metrics;
    }

    boolean admit() {
        return state.compareAndSet(WAITING, ADMITTED);
    }

    void read() {
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        call.request(1);
    }

    void startTimer() {
        timer = Schedulers.parallel().schedule(() -> {
            if (state.compareAndSet(WAITING, DONE)) {
                close(call, Status.RESOURCE_EXHAUSTED.withDescription("no pipeline demand for this call within "
                        + unaryWait + "; the request was not read"));
            }
        }, unaryWait.toMillis(), TimeUnit.MILLISECONDS);
        if (state.get() != WAITING) {
            timer.dispose();
        }
    }

    void stop() {
        if (state.compareAndSet(WAITING, DONE) || state.compareAndSet(ADMITTED, DONE)) {
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
            close(call, Status.UNAVAILABLE.withDescription("source stopped; the request was not taken"));
        }
    }

    @Override
    public void onMessage(Envelope e) {
        if (!state.compareAndSet(ADMITTED, RECEIVED)) {
            return;
        }
        Message m = Envelopes.toMessage(e);
        metrics.message(m.size());
        intake.emitUnary(new Calls.Item(m, this));
    }

    @Override
    public void taken(Message m) {
        if (state.compareAndSet(RECEIVED, DONE)) {
            try {
                call.sendHeaders(new Metadata());
                call.sendMessage(Ack.newBuilder().setCount(1).setSequence(m.sequence()).build());
                call.close(Status.OK, new Metadata());
            } catch (IllegalStateException ex) {
                LOG.debug("grpc unary call ended before its ack: {}", ex.getMessage());
            }
        }
    }

    @Override
    public void refused(Message m, String reason) {
        if (state.compareAndSet(RECEIVED, DONE)) {
            close(call, Status.RESOURCE_EXHAUSTED.withDescription(reason + "; the envelope is not acknowledged"));
        }
    }

    @Override
    public void discarded() {
        if (state.compareAndSet(RECEIVED, DONE)) {
            close(call, Status.UNAVAILABLE.withDescription("source stopped; the request was not taken"));
        }
    }

    @Override
    void ended() {
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        if (state.compareAndSet(ADMITTED, DONE)) {
            // oversized, unparsable or cancelled before its request was read: the demand is unused
            if (!intake.stopped()) {
                intake.giveBack();
            }
        } else {
            state.compareAndSet(WAITING, DONE);
        }
    }
}
