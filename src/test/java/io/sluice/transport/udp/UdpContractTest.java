package io.sluice.transport.udp;

import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.AbstractTransportContractTest;
import io.sluice.transport.Transports;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * The transport contract for UDP, as far as it applies: one datagram carries at most
 * {@value UdpBuilder#MAX_DATAGRAM} bytes (the 79435-byte round trip does not apply; the sink
 * refuses it, see {@code UdpTransportTest}), and there are no connections (no per-peer events, no
 * per-connection size limit to exceed). Loopback with small counts loses no datagram.
 */
class UdpContractTest extends AbstractTransportContractTest {

    @Override
    protected Source<Message> source(int maxMessageSize, EventDispatcher events) {
        return Transports.udp().events(events).source();
    }

    @Override
    protected Sink<Message> sink(String address) {
        return Transports.udp().port(port(address)).sink();
    }

    @Override
    protected int largestMessage() {
        return UdpBuilder.MAX_DATAGRAM;
    }

    @Override
    protected boolean connectionOriented() {
        return false;
    }

    @Override
    protected int messagesPerClient(int size) {
        // 4 clients x 6 x 6786 B stays well inside the smallest usual socket buffer (208 KiB)
        return 6;
    }

    @Override
    protected boolean portFree(int port) {
        try (DatagramSocket s = new DatagramSocket(null)) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (SocketException e) {
            return false;
        }
    }
}
