package io.sluice.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    @Test
    void oneLinePerIntervalWithTheCountSuppressed() {
        RecordingLogger log = new RecordingLogger("test");
        AtomicLong now = new AtomicLong(1_000);
        RateLimitedLog limited = new RateLimitedLog(log, 10_000, now::get);

        assertThat(limited.warn("first")).isTrue();
        for (int i = 0; i < 5; i++) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
            assertThat(limited.warn("again " + i)).isFalse();
        }
        assertThat(log.warnings).containsExactly("first");

        now.addAndGet(TimeUnit.SECONDS.toNanos(5)); // 10 s after the first line
        assertThat(limited.warn("later")).isTrue();
        assertThat(log.warnings).hasSize(2);
        assertThat(log.warnings.get(1)).startsWith("later").contains("5 more like it suppressed");

        now.addAndGet(TimeUnit.SECONDS.toNanos(30));
        assertThat(limited.warn("quiet since")).isTrue();
        assertThat(log.warnings.get(2)).isEqualTo("quiet since");
    }
}
