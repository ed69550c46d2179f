package io.sluice.transport.zmq;

import io.sluice.event.EventDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/** Helpers shared by the ZeroMQ sources, sinks, server and client; used only on a socket's own thread. */
final class ZmqSockets {

    static final String NAME = "zmq";

    private ZmqSockets() {
    }

    /**
     * Binds or connects {@code s}.
     *
     * @return the endpoint actually bound (with the port resolved) or connected
     */
    static String open(ZMQ.Socket s, String endpoint, boolean bind) {
        if (bind) {
            boolean bound;
            try {
                bound = s.bind(endpoint);
            } catch (ZMQException e) {
                // JeroMQ's own message is "Errno 48"; say what it means
                throw new ZMQException("cannot bind " + endpoint + ": " + zmq.ZError.toString(e.getErrorCode()),
                        e.getErrorCode());
            }
            if (!bound) {
                throw new ZMQException("cannot bind " + endpoint + ": " + zmq.ZError.toString(s.errno()), s.errno());
            }
            String last = s.getLastEndpoint();
            return last == null ? endpoint : last;
        }
        if (!s.connect(endpoint)) {
            throw new ZMQException("cannot connect " + endpoint, s.errno());
        }
        return endpoint;
    }

    private static final AtomicLong MONITORS = new AtomicLong();

    /**
     * Applies the builder's handshake timeout ({@code ZMQ_HANDSHAKE_IVL}) and, for a socket that
     * receives messages, its frame size limit ({@code ZMQ_MAXMSGSIZE}). Call before binding or
     * connecting.
     */
    static void applyLimits(ZMQ.Socket s, ZmqBuilder config, boolean receives) {
        if (receives) {
            s.setMaxMsgSize(config.maxMessageSize);
        }
        s.setHandshakeIvl((int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout.toMillis()));
    }

    /**
     * Starts reporting {@code s}'s completed ZMTP handshakes to a new PAIR socket; call before
     * connecting {@code s}.
     *
     * @return the PAIR socket that receives the events, with a receive timeout of {@code pollMs}
     */
    static ZMQ.Socket monitorHandshakes(ZContext ctx, ZMQ.Socket s, int pollMs) {
        String ep = "inproc://sluice-zmq-handshake-" + MONITORS.incrementAndGet();
        if (!s.monitor(ep, ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED)) {
            throw new ZMQException("cannot monitor socket", s.errno());
        }
        ZMQ.Socket pair = ctx.createSocket(SocketType.PAIR);
        pair.setReceiveTimeOut(pollMs);
        pair.connect(ep);
        return pair;
    }

    /**
     * Waits until {@code s} completed a ZMTP handshake with a peer (or {@code stop} says so); the
     * monitor stays open (see {@link #closeMonitor}).
     *
     * @return true if a handshake completed
     */
    static boolean awaitHandshake(ZMQ.Socket monitor, BooleanSupplier stop) {
        while (!stop.getAsBoolean()) {
            ZMQ.Event e = ZMQ.Event.recv(monitor);
            if (e != null && e.getEvent() == ZMQ.EVENT_HANDSHAKE_PROTOCOL) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits until {@code s} completed a ZMTP handshake with a peer (or {@code stop} says so), then
     * stops monitoring and closes {@code monitor}.
     *
     * @return true if a handshake completed
     */
    static boolean awaitHandshake(ZContext ctx, ZMQ.Socket s, ZMQ.Socket monitor, BooleanSupplier stop) {
        try {
            return awaitHandshake(monitor, stop);
        } finally {
            closeMonitor(ctx, s, monitor);
        }
    }

    /**
     * @param monitor a monitor from {@link #monitorHandshakes}
     * @return the next connection event ({@code EVENT_HANDSHAKE_PROTOCOL} or {@code EVENT_DISCONNECTED})
     *         already reported, or -1 for none (does not wait)
     */
    static int nextEvent(ZMQ.Socket monitor) {
        ZMQ.Event e = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT);
        return e == null ? -1 : e.getEvent();
    }

    /** Stops monitoring {@code s} and closes {@code monitor}. */
    static void closeMonitor(ZContext ctx, ZMQ.Socket s, ZMQ.Socket monitor) {
        s.monitor(null, 0);
        ctx.destroySocket(monitor);
    }

    /**
     * Sends the frames as one multipart message. The socket must have a send timeout: a frame that
     * cannot be queued (high-water mark reached, no peer) is retried until it is or {@code stop} says so.
     *
     * @return false if stopped before the message was sent completely
     */
    static boolean send(ZMQ.Socket s, byte[][] frames, BooleanSupplier stop) {
        for (int i = 0; i < frames.length; i++) {
            int flags = i < frames.length - 1 ? ZMQ.SNDMORE : 0;
            while (!s.send(frames[i], flags)) {
                int err = s.errno();
                if (err != ZMQ.Error.EAGAIN.getCode()) {
                    throw new ZMQException("send failed", err);
                }
                if (stop.getAsBoolean()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Receives one multipart message, waiting at most the socket's receive timeout for its first frame.
     *
     * @return the frames, or null if nothing arrived in time
     */
    static List<byte[]> receive(ZMQ.Socket s) {
        byte[] first = s.recv(0);
        if (first == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>(3);
        frames.add(first);
        while (s.hasReceiveMore()) {
            frames.add(s.recv(0));
        }
        return frames;
    }

    static void dispatch(EventDispatcher events, Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }

    static String describe(Throwable e) {
        String cls = e.getClass().getSimpleName();
        return e.getMessage() == null ? cls : cls + ": " + e.getMessage();
    }
}
