package io.sluice.persist;

import io.sluice.Message;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;

/** The operator behind {@link PersistentOverflow#apply}: one subscription at a time per stage. */
final class FluxPersistent extends FluxOperator<Message, Message> {

    private final PersistentOverflow stage;

    FluxPersistent(Flux<? extends Message> source, PersistentOverflow stage) {
        super(source);
        this.stage = stage;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Message> actual) {
        if (stage.isClosed()) {
            Operators.error(actual, new IllegalStateException(stage + " is closed"));
            return;
        }
        PersistentSubscriber s = new PersistentSubscriber(actual, stage);
        if (!stage.live.compareAndSet(null, s)) {
            Operators.error(actual, new IllegalStateException(stage + " already has a subscriber (one reader per log)"));
            return;
        }
        source.subscribe(s);
    }
}
