package io.sluice.transport.grpc;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Batch;
import io.sluice.transport.grpc.proto.Envelope;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.MonoSink;
import reactor.util.concurrent.Queues;

/**
 * One streaming call of a {@link GrpcSink}: {@code SendStream}/{@code Exchange} (one {@link Envelope}
 * per request message) or {@code SendBatches}/{@code ExchangeBatches} (one {@link Batch} of the
 * messages at hand per request message).
 *
 * <p>grpc-java's manual outbound flow control: request messages are sent only while
 * {@link ClientCallStreamObserver#isReady()}, and the on-ready handler resumes. Input is requested
 * only when everything received was sent and the call is ready, at most {@code maxMessages} and about
 * {@code maxBytes} (estimated from the sizes sent so far) at once, so the messages held here stay
 * within one batch. A batch takes what is queued, up to {@code maxMessages} envelopes and
 * {@code maxBytes} serialized bytes (an envelope larger than that goes alone), and never waits for
 * more: with an input that produces synchronously (on request) a batch is what that request gave;
 * with an asynchronous one, what arrived while the call was busy or not ready. Sending happens in
 * one drain loop at a time (a work-in-progress counter), on whichever thread signalled: the input,
 * or the Netty event loop through the on-ready handler.
 *
 * @param <T> {@link Envelope} or {@link Batch}
 */
final class StreamBridge<T> implements ClientResponseObserver<T, Ack> {

    /** Sent messages awaiting an acknowledgement (exchange), with their index on the call. */
    private record InFlight(long index, Message message) {
    }

    private final MonoSink<Void> done;
    private final boolean exchange;
    private final String method;
    private final int maxMessages;
    private final int maxBytes;
    private final TransportMetrics metrics;
    private final Queue<Message> queue;
    private final AtomicInteger wip = new AtomicInteger();
    private final Queue<InFlight> inFlight = new ConcurrentLinkedQueue<>();
    private volatile ClientCallStreamObserver<T> call;
    // the on-ready handler can fire before the input is subscribed; a request made then would be lost
    private volatile boolean subscribed;
    private volatile boolean inputDone;
    private volatile Throwable inputError;
    private volatile boolean finished;
    private volatile long received;
    private volatile long sent;
    private volatile Ack ack;
    // drain loop only
    private long requested;
    private long sentBytes;
    private volatile int largestBatch;

    final BaseSubscriber<Message> upstream = new BaseSubscriber<>() {
        @Override
        protected void hookOnSubscribe(Subscription s) {
            subscribed = true;
            drain();
        }

        @Override
        protected void hookOnNext(Message m) {
            queue.offer(m);
            received++;
            drain();
        }

        @Override
        protected void hookOnComplete() {
            inputDone = true;
            drain();
        }

        @Override
        protected void hookOnError(Throwable t) {
            inputError = t;
            drain();
        }
    };

    /**
     * @param done completes when the server's final {@code Ack} covers every message sent
     * @param exchange whether the call acknowledges as it goes ({@code Exchange}, {@code ExchangeBatches})
     * @param method the method's name, for errors
     * @param maxMessages envelopes per request message; 1: the call's requests are envelopes, not batches
     * @param maxBytes serialized envelope bytes per batch
     * @param metrics counters of the sink
     */
    StreamBridge(MonoSink<Void> done, boolean exchange, String method, int maxMessages, int maxBytes,
                 TransportMetrics metrics) {
        this.done = done;
        this.exchange = exchange;
        this.method = method;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        this.queue = Queues.<Message>get(maxMessages).get();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<T> requestStream) {
        this.call = requestStream;
        requestStream.setOnReadyHandler(this::drain);
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            ClientCallStreamObserver<T> c = call;
            if (c != null && subscribed && !finished && step(c)) {
                // asked the input for more: what it produced on the spot is queued now
                continue;
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** @return whether more input was requested */
    private boolean step(ClientCallStreamObserver<T> c) {
        Throwable e = inputError;
        if (e != null) {
            finished = true;
            queue.clear();
            c.onError(e);
            done.error(e);
            return false;
        }
        while (!queue.isEmpty() && c.isReady()) {
            c.onNext(next());
        }
        if (!queue.isEmpty()) {
            return false;
        }
        if (inputDone) {
            finished = true;
            c.onCompleted();
            return false;
        }
        if (requested == received && c.isReady()) {
            // a batch's worth: maxMessages, or fewer when the messages so far say maxBytes holds fewer
            long n = sent == 0 ? 1 : Math.max(1, Math.min(maxMessages, maxBytes / Math.max(1, sentBytes / sent)));
            requested += n;
            upstream.request(n);
            return true;
        }
        return false;
    }

    /** @return the next request message: one envelope, or a batch of what is queued */
    @SuppressWarnings("unchecked")
    private T next() {
        if (maxMessages == 1) {
            Message m = queue.poll();
            Envelope e = Envelopes.toEnvelope(m);
            sent(m);
            return (T) e;
        }
        Batch.Builder b = Batch.newBuilder();
        long bytes = 0;
        int count = 0;
        for (Message m = queue.peek(); m != null && count < maxMessages; m = queue.peek()) {
            Envelope e = Envelopes.toEnvelope(m);
            int size = CodedOutputStream.computeMessageSize(Batch.ENVELOPES_FIELD_NUMBER, e);
            if (count > 0 && bytes + size > maxBytes) {
                // the next batch starts with it (an envelope larger than maxBytes goes alone)
                break;
            }
            queue.poll();
            b.addEnvelopes(e);
            bytes += size;
            count++;
            sent(m);
        }
        if (count > 1 && bytes > largestBatch) {
            largestBatch = (int) bytes;
        }
        return (T) b.build();
    }

    private void sent(Message m) {
        if (exchange && m.awaitsAck()) {
            inFlight.add(new InFlight(sent, m));
        }
        sent++;
        sentBytes += m.size();
        metrics.message(m.size());
    }

    /** Cancels the input and the call (the write was cancelled). */
    void cancelAll() {
        finished = true;
        upstream.cancel();
        ClientCallStreamObserver<T> c = call;
        if (c != null) {
            c.cancel("sink cancelled", null);
        }
    }

    @Override
    public void onNext(Ack value) {
        ack = value;
        // exchange: the count is cumulative on the call; every message below it is acknowledged
        for (InFlight f = inFlight.peek(); f != null && f.index < value.getCount(); f = inFlight.peek()) {
            inFlight.poll();
            f.message.ack();
        }
    }

    @Override
    public void onError(Throwable t) {
        finished = true;
        upstream.cancel();
        if (maxMessages > 1 && t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
            Status status = s.getStatus();
            t = status.withDescription(status.getDescription() + "; the server has no " + method + " (a stock receiver"
                    + " or an older Sluice): configure the sink with batch maxMessages 1 to send one envelope per"
                    + " gRPC message (SendStream, Exchange)").asRuntimeException(s.getTrailers());
        }
        if (largestBatch > 0 && t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
                && String.valueOf(s.getStatus().getDescription()).contains("exceeds maximum size")) {
            Status status = s.getStatus();
            t = status.withDescription(status.getDescription() + "; this call sent batches of several envelopes up to "
                    + largestBatch + " bytes: keep the sink's batch maxBytes below the server's maxMessageSize")
                    .asRuntimeException(s.getTrailers());
        }
        done.error(t);
    }

    @Override
    public void onCompleted() {
        Ack a = ack;
        if (a == null || a.getCount() != sent) {
            done.error(new IllegalStateException("server acknowledged " + (a == null ? "nothing" : a.getCount())
                    + " of " + sent + " messages"));
        } else {
            done.success();
        }
    }
}
