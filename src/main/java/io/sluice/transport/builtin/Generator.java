package io.sluice.transport.builtin;

import io.sluice.Message;
import io.sluice.pipeline.Source;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * {@code count} messages of {@code size} bytes: as fast as demanded, one per {@code interval}, or
 * about {@code rate} per second; with {@code devices}, JSON telemetry readings instead of filler.
 * Ticks a backpressured consumer cannot take yet are skipped, so a slow pipeline gets less rather than
 * a growing buffer.
 */
final class Generator implements Source<Message> {

    private final int count;
    private final int size;
    private final Duration interval;
    private final Integer rate;
    private final Integer devices;

    Generator(int count, int size, Duration interval, Integer rate, Integer devices) {
        this.count = count;
        this.size = size;
        this.interval = interval;
        this.rate = rate;
        this.devices = devices;
    }

    @Override
    public Flux<Message> flux() {
        Flux<Long> ticks;
        if (rate != null) {
            // rate/100 messages every 10 ms
            long perTick = Math.max(1, rate / 100);
            ticks = Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                    .concatMap(t -> Flux.range(0, (int) perTick).map(i -> t * perTick + i), 1)
                    .take(count);
        } else if (interval != null) {
            ticks = Flux.interval(interval).onBackpressureDrop().take(count);
        } else {
            ticks = Flux.range(0, count).map(Integer::longValue).subscribeOn(Schedulers.boundedElastic());
        }
        if (devices != null) {
            int n = devices;
            return ticks.map(i -> telemetry(i, n));
        }
        return ticks.map(this::filler);
    }

    private Message filler(long i) {
        byte[] p = new byte[size];
        for (int j = 0; j < size; j++) {
            p[j] = (byte) ('a' + (i + j) % 26);
        }
        return Message.builder().payload(p).sequence(i).build();
    }

    /**
     * A JSON reading of device {@code i % devices}: {@code {"device":"device-3","temp":21.37,"seq":42}};
     * each device's temperature follows its own slow sine around a per-device base.
     */
    static Message telemetry(long i, int devices) {
        int d = (int) (i % devices);
        double temp = 18 + d + 3 * Math.sin(i / (double) (devices * 50) + d);
        String json = String.format(Locale.ROOT, "{\"device\":\"device-%d\",\"temp\":%.2f,\"seq\":%d}", d, temp, i);
        return Message.builder().payload(json.getBytes(StandardCharsets.UTF_8)).key("device-" + d).sequence(i).build();
    }
}
