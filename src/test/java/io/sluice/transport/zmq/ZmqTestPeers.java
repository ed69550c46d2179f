package io.sluice.transport.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** Raw JeroMQ peers for tests that must send frames Sluice's own sinks never write. */
public final class ZmqTestPeers {

    private ZmqTestPeers() {
    }

    /**
     * A PUSH socket connected to {@code ep} whose ZMTP handshake has completed. A message a fresh
     * PUSH queues to a connection whose handshake stalls is lost when the source's handshake timeout
     * drops it; waiting for the handshake (the socket reconnects after the drop) keeps raw-socket
     * tests deterministic.
     *
     * @param ctx the context that owns the socket
     * @param ep endpoint of a bound PULL source
     * @param wait how long the handshake may take
     * @return the connected socket
     */
    public static ZMQ.Socket connectedPush(ZContext ctx, String ep, Duration wait) {
        ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
        push.setHandshakeIvl(2000);
        ZMQ.Socket monitor = ZmqSockets.monitorHandshakes(ctx, push, 100);
        push.connect(ep);
        long deadline = System.nanoTime() + wait.toNanos();
        assertThat(ZmqSockets.awaitHandshake(ctx, push, monitor, () -> System.nanoTime() > deadline))
                .as("ZMTP handshake with %s", ep).isTrue();
        return push;
    }
}
