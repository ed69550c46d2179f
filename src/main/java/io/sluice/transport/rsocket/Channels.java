package io.sluice.transport.rsocket;

import io.rsocket.exceptions.ApplicationErrorException;
import io.sluice.Message;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The request-channels of one {@link RSocketSource} subscription, and the answer each gets: the
 * count of its messages once the requester completed and every one of them was emitted to the
 * pipeline; or an {@code APPLICATION_ERROR} ("receiver stopped") when the subscription ended first
 * and some may not have been: a message that arrived after the channel was cancelled, or was still
 * queued in the merge (both are discarded), or, for a channel still open, no completion within
 * {@link #GRACE} of the stop (rsocket-java's requester stops sending when the responder cancels
 * the channel, and waits). A channel opened after the stop is refused with that error. Without
 * this a requester whose receiver stopped would wait forever for demand on a connection left open
 * (connections are left for the peer to close).
 */
final class Channels {

    /** How long a stopped subscription's open channels may still complete, their last frames being in flight. */
    static final Duration GRACE = Duration.ofSeconds(1);

    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private boolean stopped;

    /** One message of a channel on its way through the merge. */
    record Delivery(Message message, Channel channel) {
    }

    /** @return a new channel's state, or null once stopped (the caller refuses it with {@link #stopped()}) */
    synchronized Channel open() {
        if (stopped) {
            return null;
        }
        Channel c = new Channel();
        open.add(c);
        return c;
    }

    /** The subscription ended: no new channel; the open ones are answered with an error after {@link #GRACE} unless they complete. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        if (!open.isEmpty()) {
            Mono.delay(GRACE).subscribe(x -> open.forEach(Channel::abandon));
        }
    }

    static ApplicationErrorException stopped() {
        return new ApplicationErrorException("receiver stopped: messages after the last ones it emitted may not have"
                + " been processed");
    }

    /** Counts of one channel: received from RSocket, emitted to the pipeline; its answer. */
    final class Channel {
        private final Sinks.One<Long> answer = Sinks.one();
        private long received;
        private long emitted;
        private boolean inputDone;
        private boolean cancelled;

        /** @return the answer: the count, or an error */
        Mono<Long> answer() {
            return answer.asMono().doFinally(s -> open.remove(this));
        }

        /** A message arrived from the requester. */
        void received() {
            boolean dropped;
            synchronized (this) {
                received++;
                dropped = cancelled; // the merge no longer takes this channel's messages
            }
            if (dropped) {
                abandon();
            }
        }

        /** A message of this channel was handed to the pipeline. */
        void emitted() {
            settle(() -> emitted++);
        }

        /** The requester completed. */
        void inputDone() {
            settle(() -> inputDone = true);
        }

        /** The merge cancelled this channel (the subscription ended): what it still queued is discarded. */
        void cancelled() {
            settle(() -> cancelled = true);
        }

        /** @param e why the channel failed (a bad payload): its answer, unless already answered */
        void fail(Throwable e) {
            answer.tryEmitError(e);
        }

        /** Answers with an error, unless already answered. */
        void abandon() {
            answer.tryEmitError(stopped());
        }

        private void settle(Runnable change) {
            long count = -1;
            boolean failed = false;
            synchronized (this) {
                change.run();
                if (inputDone && emitted == received) {
                    count = emitted;
                } else if (inputDone && cancelled) {
                    failed = true;
                }
            }
            if (count >= 0) {
                answer.tryEmitValue(count);
            } else if (failed) {
                abandon();
            }
        }
    }
}
