package io.sluice.transport.internal;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How {@code io.sluice.transport.Transports} creates the transport builders, whose constructors are
 * package-private so that the facade stays the one documented way to obtain them (the JDK's
 * {@code SharedSecrets} idiom, without reflection).
 *
 * <p>Each builder registers its constructor from its own static initializer:
 *
 * <pre>{@code
 * public final class TcpBuilder extends StreamServerBuilder<TcpBuilder> {
 *     static {
 *         BuilderFactories.register(TcpBuilder.class, TcpBuilder::new);
 *     }
 *
 *     TcpBuilder() { ... }
 * }
 * }</pre>
 *
 * and {@link #create(Class)} initializes the class (which runs that registration) the first time a
 * builder of that type is asked for. A type registers once; a second registration is an error, so
 * nothing can replace a builder's factory.
 */
public final class BuilderFactories {

    private static final Map<Class<?>, Supplier<?>> FACTORIES = new ConcurrentHashMap<>();

    private BuilderFactories() {
    }

    /**
     * Registers the factory of a builder type; called from that type's static initializer.
     *
     * @param type the builder class
     * @param factory its (package-private) constructor
     * @param <B> the builder type
     * @throws IllegalStateException if the type registered already
     */
    public static <B> void register(Class<B> type, Supplier<B> factory) {
        Objects.requireNonNull(factory, "factory");
        if (FACTORIES.putIfAbsent(Objects.requireNonNull(type, "type"), factory) != null) {
            throw new IllegalStateException(type.getName() + " registered its factory already");
        }
    }

    /**
     * @param type a builder class that registers itself in its static initializer
     * @param <B> the builder type
     * @return a new builder with its defaults
     * @throws IllegalStateException if the class registers no factory
     */
    public static <B> B create(Class<B> type) {
        Supplier<?> factory = FACTORIES.get(type);
        if (factory == null) {
            initialize(type);
            factory = FACTORIES.get(type);
            if (factory == null) {
                throw new IllegalStateException(type.getName() + " registers no builder factory");
            }
        }
        return type.cast(factory.get());
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
