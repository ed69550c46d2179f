package io.sluice.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.transport.Transports;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** {@code acks: true}: the source writes back cumulative counts over contiguously acknowledged messages. */
class TcpAcksTest {

    private static final Duration T = Duration.ofSeconds(10);

    @Test
    void countsMoveOnlyOverAnUnbrokenRunFromTheFirstMessage() throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).acks(true).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable run = source.flux().subscribe(got::add);
        try (Socket s = new Socket("127.0.0.1", source.boundAddress().block(T).getPort())) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (int i = 1; i <= 5; i++) {
                byte[] p = ("m" + i).getBytes(StandardCharsets.US_ASCII);
                out.writeInt(p.length);
                out.write(p);
            }
            out.flush();
            long deadline = System.nanoTime() + T.toNanos();
            while (got.size() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(got).hasSize(5).allMatch(Message::awaitsAck);
            DataInputStream in = new DataInputStream(s.getInputStream());

            got.get(1).ack(); // 2 and 3 before 1: nothing may be written yet
            got.get(2).ack();
            got.get(0).ack(); // now 1, 2, 3
            assertThat(in.readLong()).isEqualTo(3);
            got.get(4).ack(); // 5 waits for 4
            got.get(3).ack();
            got.get(3).ack(); // twice: no effect
            assertThat(in.readLong()).isEqualTo(5);
            assertThat(in.available()).as("no further count").isZero();
        } finally {
            run.dispose();
        }
    }

    @Test
    void withoutAcksTheSourceNeverWritesAndMessagesAwaitNothing() throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.newline()).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable run = source.flux().subscribe(got::add);
        try (Socket s = new Socket("127.0.0.1", source.boundAddress().block(T).getPort())) {
            s.getOutputStream().write("a\nb\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            long deadline = System.nanoTime() + T.toNanos();
            while (got.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(got).hasSize(2).noneMatch(Message::awaitsAck);
            got.forEach(Message::ack);
            s.setSoTimeout(300); // bounded wait for a count that must not come
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
        } finally {
            run.dispose();
        }
    }
}
