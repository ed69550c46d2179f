package io.sluice.event;

/**
 * Published when a callback registered with {@link EventDispatcher#on} threw while handling
 * {@code event}. The other callbacks for that event were still called.
 *
 * @param event the event being dispatched
 * @param callback the callback's {@code toString()}
 * @param error what it threw
 */
public record CallbackFailed(Object event, String callback, Throwable error) implements SluiceEvent {
}
