package io.sluice.transport.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Every endpoint type of every {@link TransportProvider} on the class path, by name, in a stable order
 * (providers as {@link ServiceLoader} finds them, types as each provider lists them).
 */
public final class TransportRegistry {

    private final Map<String, EndpointType> types;

    private TransportRegistry(Map<String, EndpointType> types) {
        this.types = Collections.unmodifiableMap(types);
    }

    /**
     * @return the types of the providers the context class loader (else this class's loader) finds
     * @throws IllegalStateException if two providers offer the same type name
     */
    public static TransportRegistry load() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return of(ServiceLoader.load(TransportProvider.class,
                loader != null ? loader : TransportRegistry.class.getClassLoader()));
    }

    /**
     * @param providers the providers
     * @return their types
     * @throws IllegalStateException if two providers offer the same type name
     */
    public static TransportRegistry of(Iterable<? extends TransportProvider> providers) {
        Map<String, EndpointType> m = new LinkedHashMap<>();
        for (TransportProvider p : providers) {
            for (EndpointType t : p.endpointTypes()) {
                if (m.putIfAbsent(t.name(), t) != null) {
                    throw new IllegalStateException("two transport providers offer the endpoint type '" + t.name()
                            + "' (" + p.getClass().getName() + " and another)");
                }
            }
        }
        return new TransportRegistry(m);
    }

    /**
     * @param name YAML type name
     * @return the type, if some provider offers it
     */
    public Optional<EndpointType> find(String name) {
        return Optional.ofNullable(types.get(name));
    }

    /** @return every type */
    public Collection<EndpointType> types() {
        return types.values();
    }
}
