package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** The {@code resp} source against real clients: redis-cli, Jedis, and raw bytes for malformed input. */
class RespSourceTest {

    private final EventDispatcher events = new EventDispatcher();
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private final List<ConnectionError> errors = new CopyOnWriteArrayList<>();
    private RespSource source;
    private Disposable running;
    private int port;

    @BeforeEach
    void start() {
        events.on(ConnectionError.class, errors::add);
        source = RespSource.builder().port(0).maxBulkLength(1024).events(events).build();
        running = source.flux().subscribe(received::add);
        port = source.boundAddress().map(InetSocketAddress::getPort).block(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        running.dispose();
    }

    private void awaitReceived(int n) throws InterruptedException {
        RedisCli.await(() -> received.size() >= n, n + " messages");
    }

    @Test
    void redisCliUpdatesAndPushesBecomeMessages() throws Exception {
        RedisCli.assumeInstalled();
        assertThat(RedisCli.run(port, "UPDATE", "a", "5")).isEqualTo("OK");
        assertThat(RedisCli.run(port, "RPUSH", "jobs", "x", "y")).isEqualTo("2");
        assertThat(RedisCli.run(port, "LPUSH", "jobs", "z")).isEqualTo("1");
        awaitReceived(4);
        assertThat(received).extracting(Message::payloadUtf8).containsExactly("a", "x", "y", "z");
        Message a = received.get(0);
        assertThat(a.headers()).containsEntry("item", "a").containsEntry("priority", "5").doesNotContainKey("key");
        Message x = received.get(1);
        assertThat(x.headers()).containsEntry("item", "x").containsEntry("priority", "0").containsEntry("key", "jobs");
        assertThat(x.key()).contains("jobs");
        assertThat(source.metrics().messages()).isEqualTo(4);
    }

    @Test
    void badCommandsGetErrorRepliesAndTheConnectionStaysOpen() throws Exception {
        RedisCli.assumeInstalled();
        // one redis-cli connection, several commands: the errors do not close it, the last one still works
        String out = RedisCli.pipe(port, "UPDATE a\nUPDATE a notanumber\nFLUSHALL\nRPUSH onlykey\nUPDATE ok 1\n");
        // (redis-cli without a terminal prints an empty line after each error)
        assertThat(out.lines().filter(l -> !l.isEmpty()).toList()).containsExactly(
                "ERR wrong number of arguments for 'update' command",
                "ERR value is not an integer or out of range",
                "ERR unknown command 'FLUSHALL'",
                "ERR wrong number of arguments for 'rpush' command",
                "OK");
        awaitReceived(1);
        assertThat(received).extracting(Message::payloadUtf8).containsExactly("ok");
        assertThat(errors).isEmpty();
    }

    @Test
    void jedisSeesRedisConventions() throws Exception {
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(RedisCli.send(jedis, "UPDATE", "b", "10")).isEqualTo("OK");
            assertThat(jedis.rpush("q", "1", "2", "3")).isEqualTo(3L);
            assertThatThrownBy(() -> RedisCli.send(jedis, "UPDATE", "b", "1.5"))
                    .isInstanceOf(JedisDataException.class).hasMessage("ERR value is not an integer or out of range");
            assertThatThrownBy(() -> RedisCli.send(jedis, "NEXT"))
                    .isInstanceOf(JedisDataException.class).hasMessage("ERR unknown command 'NEXT'");
            assertThat(RedisCli.send(jedis, "UPDATE", "c", "-3")).isEqualTo("OK");
        }
        awaitReceived(5);
        assertThat(received).extracting(Message::payloadUtf8).containsExactly("b", "1", "2", "3", "c");
        assertThat(received.get(4).headers()).containsEntry("priority", "-3");
    }

    @Test
    void malformedInputClosesOnlyThatConnectionWithAReason() throws Exception {
        // not RESP at all after a valid command: the valid one is answered, then protocol error and close
        RedisCli.Raw garbage = RedisCli.raw(port, "*2\r\n$4\r\nPING\r\n$1\r\nx\r\n*1\r\n$x\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage.text()).startsWith("$1\r\nx\r\n-ERR Protocol error: ");
        assertThat(garbage.closed()).isTrue();

        // a 1 GiB bulk length: refused before anything is buffered
        RedisCli.Raw huge = RedisCli.raw(port, "*3\r\n$6\r\nUPDATE\r\n$1073741824\r\nabc".getBytes(StandardCharsets.US_ASCII));
        assertThat(huge.text()).startsWith("-ERR Protocol error: ").contains("1073741824");
        assertThat(huge.closed()).isTrue();

        // over this source's limit (1024 bytes)
        RedisCli.Raw over = RedisCli.raw(port, "*3\r\n$6\r\nUPDATE\r\n$2048\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(over.text()).isEqualTo("-ERR Protocol error: invalid bulk length 2048 (limit 1024 bytes)\r\n");
        assertThat(over.closed()).isTrue();

        // an array of integers is not a command
        RedisCli.Raw ints = RedisCli.raw(port, "*1\r\n:5\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(ints.text()).startsWith("-ERR Protocol error: expected an array of bulk strings");
        assertThat(ints.closed()).isTrue();

        RedisCli.await(() -> errors.size() >= 4, "4 connection errors");
        assertThat(errors).allSatisfy(e -> assertThat(e.reason()).startsWith("protocol error: "));
        assertThat(source.metrics().errors()).isEqualTo(4);

        // the server is unaffected
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            assertThat(RedisCli.send(jedis, "UPDATE", "still", "1")).isEqualTo("OK");
        }
        awaitReceived(1);
        assertThat(received).extracting(Message::payloadUtf8).containsExactly("still");
    }

    @Test
    void inlineCommandsWorkForNetcatUsers() throws Exception {
        RedisCli.Raw r = RedisCli.raw(port, "UPDATE typed 7\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.text()).isEqualTo("+OK\r\n+OK\r\n");
        assertThat(r.closed()).isTrue();
        awaitReceived(1);
        assertThat(received.get(0).headers()).containsEntry("item", "typed").containsEntry("priority", "7");
    }

    @Test
    void redisCliPipeMassInsertionWorks() throws Exception {
        RedisCli.assumeInstalled();
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 200; i++) {
            lines.append("UPDATE item:").append(i).append(' ').append(i % 7).append("\r\n");
        }
        // --pipe ends with an ECHO of 20 random bytes and waits for them back, byte for byte
        String out = RedisCli.pipe(port, lines.toString(), "--pipe");
        assertThat(out).contains("errors: 0, replies: 200");
        awaitReceived(200);
        assertThat(received.get(199).headers()).containsEntry("item", "item:200").containsEntry("priority", "4");
    }

    @Test
    void echoAndPingReturnTheExactBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            assertThat((byte[]) jedis.sendCommand(RedisCli.command("ECHO"), all)).isEqualTo(all);
            assertThat((byte[]) jedis.sendCommand(RedisCli.command("PING"), all)).isEqualTo(all);
        }
    }
}
