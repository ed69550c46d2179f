package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DemoTest {

    @Test
    void everyMessageIsDeliveredOrAccountedFor() {
        int count = 20_000;
        List<Demo.Result> results = Demo.run(count, 64);
        Map<String, Demo.Result> byPolicy = results.stream()
                .collect(Collectors.toMap(Demo.Result::policy, Function.identity()));
        assertThat(byPolicy).containsOnlyKeys("drop-newest", "overwrite-oldest", "block", "fail");
        for (Demo.Result r : results) {
            assertThat(r.accountedFor()).as(r.toString()).isTrue();
            assertThat(r.sizes().count()).isEqualTo(r.delivered());
        }
        Demo.Result block = byPolicy.get("block");
        assertThat(block.sent()).isEqualTo(count);
        assertThat(block.delivered()).isEqualTo(count);
        assertThat(block.dropped()).isZero();
        assertThat(block.outcome()).isEqualTo("COMPLETED");
        assertThat(byPolicy.get("drop-newest").sent()).isEqualTo(count);
        assertThat(byPolicy.get("overwrite-oldest").sent()).isEqualTo(count);
        Demo.Result fail = byPolicy.get("fail");
        if (fail.dropped() > 0) {
            assertThat(fail.outcome()).startsWith("FAILED").contains("OverflowException");
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), count, 64, results);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("drop-newest", "overwrite-oldest", "block", "fail", "adds up").doesNotContain(" NO ");
    }
}
