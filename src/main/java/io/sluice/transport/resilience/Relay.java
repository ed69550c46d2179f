package io.sluice.transport.resilience;

import io.sluice.Ack;
import io.sluice.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * One subscription to a write's input, shared by the successive attempts of a {@link ResilientSink}.
 * Each attempt gets a {@link #attempt() Flux} that first replays what the previous attempts did not
 * get acknowledged (in order), then continues with the input; upstream is requested only for the
 * demand of the attached attempt, so nothing is requested between attempts. A message is tracked
 * from its hand-off until the inner sink acknowledges it (only when the inner sink acknowledges;
 * otherwise a hand-off is final). Thread-safe: state under this object's lock, emissions outside
 * it by one drainer at a time.
 */
final class Relay {

    /** A message of the input, as handed to the attempts. */
    final class Entry {
        final Message original;
        final Message handed;
        boolean done;
        int sends;

        Entry(Message original) {
            this.original = original;
            this.handed = track ? original.withAck(this::acknowledged) : original;
        }

        private void acknowledged() {
            if (finish()) {
                progress();
            }
        }

        /** Marks this entry done; acknowledges the original once. */
        boolean finish() {
            synchronized (Relay.this) {
                if (done) {
                    return false;
                }
                done = true;
                outstanding.remove(this);
            }
            original.ack();
            return true;
        }
    }

    /** Called on the first progress of each attempt (a message acknowledged, or handed when not tracking). */
    interface Progress {
        void made();
    }

    private final boolean track;
    private final Progress progress;
    private final Flux<Message> input;
    private final Deque<Entry> redo = new ArrayDeque<>();
    private final Set<Entry> outstanding = new LinkedHashSet<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final Upstream upstream = new Upstream();
    private boolean subscribed;
    private long upstreamPending;
    private boolean upstreamDone;
    private Throwable upstreamError;
    private FluxSink<Message> current;
    private boolean progressed;
    private final java.util.concurrent.atomic.LongAdder resent;

    /**
     * @param input the write's input
     * @param track whether the inner sink acknowledges (then unacknowledged messages are resent)
     * @param progress told of each attempt's first progress
     * @param resent counts messages sent again
     */
    Relay(Flux<Message> input, boolean track, Progress progress, java.util.concurrent.atomic.LongAdder resent) {
        this.input = input;
        this.track = track;
        this.progress = progress;
        this.resent = resent;
    }

    /** @return a new attempt's input; subscribing detaches the previous attempt */
    Flux<Message> attempt() {
        return Flux.create(sink -> {
            boolean first;
            synchronized (this) {
                if (current != null) {
                    requeue();
                }
                current = sink;
                progressed = false;
                first = !subscribed;
                subscribed = true;
            }
            if (first) {
                // subscribed before any request is forwarded: BaseSubscriber drops a request made before onSubscribe
                input.subscribe(upstream);
            }
            sink.onDispose(() -> detach(sink));
            sink.onRequest(n -> drain());
        });
    }

    /** @return true once the input ended, everything was handed over and (when tracked) acknowledged */
    synchronized boolean finished() {
        return upstreamDone && upstreamError == null && redo.stream().allMatch(e -> e.done) && outstanding.isEmpty();
    }

    /** @return true when the input itself failed (its error is not the receiver's, not retried) */
    synchronized boolean inputFailed() {
        return upstreamError != null;
    }

    /**
     * @param handed a message as the inner sink saw it
     * @return the input's message it stands for, or {@code handed} when it is not one of this relay's
     */
    Message original(Message handed) {
        Entry e = find(handed);
        return e == null ? handed : e.original;
    }

    /**
     * Finishes the entry of a message the inner sink saw (it will not be resent), acknowledging the
     * input's message.
     *
     * @param handed the message as the inner sink saw it
     */
    void settle(Message handed) {
        Entry e = find(handed);
        if (e != null) {
            e.finish();
        } else {
            handed.ack();
        }
    }

    private Entry find(Message handed) {
        Entry found = null;
        synchronized (this) {
            for (Entry e : outstanding) {
                if (e.handed == handed) {
                    found = e;
                }
            }
            for (Entry e : redo) {
                if (e.handed == handed) {
                    found = e;
                }
            }
        }
        return found;
    }

    /** Cancels the input (the write ended for good). */
    void cancel() {
        upstream.cancel();
    }

    private void progress() {
        synchronized (this) {
            if (progressed) {
                return;
            }
            progressed = true;
        }
        progress.made();
    }

    private synchronized void detach(FluxSink<Message> sink) {
        if (current == sink) {
            current = null;
            requeue();
        }
    }

    /** Puts what the attached attempt did not get acknowledged back at the front of the queue, in order. */
    private void requeue() {
        current = null;
        List<Entry> back = new ArrayList<>(outstanding);
        outstanding.clear();
        for (int i = back.size() - 1; i >= 0; i--) {
            redo.addFirst(back.get(i));
        }
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            for (;;) {
                FluxSink<Message> sink;
                Entry next = null;
                boolean complete = false;
                Throwable error = null;
                long want = 0;
                synchronized (this) {
                    sink = current;
                    if (sink == null) {
                        break;
                    }
                    long requested = sink.requestedFromDownstream();
                    while (requested > 0 && next == null && !redo.isEmpty()) {
                        Entry e = redo.poll();
                        if (!e.done) {
                            next = e;
                        }
                    }
                    if (next != null) {
                        if (track) {
                            outstanding.add(next);
                        }
                        if (++next.sends > 1) {
                            resent.increment();
                        }
                    } else if (redo.isEmpty() && upstreamDone) {
                        complete = true;
                        error = upstreamError;
                    } else if (requested > upstreamPending && !upstreamDone) {
                        want = requested - upstreamPending;
                        upstreamPending += want;
                    }
                }
                if (next != null) {
                    sink.next(next.handed);
                    if (!track) {
                        progress();
                    }
                    continue;
                }
                if (complete) {
                    if (error != null) {
                        sink.error(error);
                    } else {
                        sink.complete();
                    }
                } else if (want > 0) {
                    upstream.request(want);
                }
                break;
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    /** The one subscriber to the input; requests only what the attached attempt asked for. */
    private final class Upstream extends BaseSubscriber<Message> {
        @Override
        protected void hookOnSubscribe(Subscription s) {
            // demand comes from the attempts (drain); one forwarded before this arrived was dropped by BaseSubscriber
            long early;
            synchronized (Relay.this) {
                early = upstreamPending;
            }
            if (early > 0) {
                s.request(early);
            }
        }

        @Override
        protected void hookOnNext(Message m) {
            synchronized (Relay.this) {
                upstreamPending = Math.max(0, upstreamPending - 1);
                redo.addLast(new Entry(m));
            }
            drain();
        }

        @Override
        protected void hookOnComplete() {
            synchronized (Relay.this) {
                upstreamDone = true;
            }
            drain();
        }

        @Override
        protected void hookOnError(Throwable t) {
            synchronized (Relay.this) {
                upstreamDone = true;
                upstreamError = t;
            }
            drain();
        }
    }
}
