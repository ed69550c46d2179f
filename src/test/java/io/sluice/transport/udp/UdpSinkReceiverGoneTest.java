package io.sluice.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;
import reactor.test.StepVerifier;

/**
 * Issue 17: the UDP sink notices that its receiver is gone from the ICMP "port unreachable" its
 * connected socket gets, whichever side of the socket the kernel hands the error to. One datagram
 * to a closed port, then nothing for 2 s: with Netty's epoll transport (the one reactor-netty uses
 * on Linux) the error arrives on the read side (EPOLLERR wakes the channel although the sink does
 * not read) and, before {@link SocketErrors}, was consumed there: the write went on as if nothing
 * had happened (of 200 sends to a closed port only 13 failed, 174 errors went to the read side).
 * Now the write fails with that error before the second datagram is sent. With the NIO transport
 * the sink does not read and the error fails the next send: the second datagram.
 */
@ExtendWith(NettyLeakCheck.class)
class UdpSinkReceiverGoneTest {

    @Test
    void aClosedPortFailsTheWriteWhicheverSideGetsTheError() throws Exception {
        int port;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = gone.getLocalPort();
        }
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        AtomicInteger sent = new AtomicInteger();
        Flux<Message> two = Flux.concat(Mono.just(1), Mono.delay(Duration.ofSeconds(2)).thenReturn(2))
                .map(i -> Message.of(Integer.toString(i).getBytes(StandardCharsets.UTF_8)))
                .doOnNext(m -> sent.incrementAndGet());
        StepVerifier.create(Transports.udp().port(port).events(events).sink().write(two))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PortUnreachableException.class))
                .verify(Duration.ofSeconds(10));
        // epoll: the read side got the error of the first datagram; NIO: the second send got it
        assertThat(sent.get()).as("datagrams sent before the write failed")
                .isEqualTo(LoopResources.hasNativeSupport() ? 1 : 2);
        assertThat(errors).as("reported").hasSize(1);
        assertThat(errors.get(0).toString()).contains("127.0.0.1:" + port);
    }
}
