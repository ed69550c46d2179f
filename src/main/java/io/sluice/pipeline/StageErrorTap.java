package io.sluice.pipeline;

import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;

/** Remembers the label of the first stage whose output carried a given error. */
final class StageErrorTap {

    private final AtomicReference<String> firstStage = new AtomicReference<>();

    Flux<Object> after(String label, Flux<Object> f) {
        return f.doOnError(e -> firstStage.compareAndSet(null, label));
    }

    /** @return the label of the earliest stage that saw the error, or {@code "sink"} if none did */
    String stage() {
        String s = firstStage.get();
        return s == null ? "sink" : s;
    }
}
