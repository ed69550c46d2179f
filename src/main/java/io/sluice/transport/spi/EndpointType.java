package io.sluice.transport.spi;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One endpoint type a {@link TransportProvider} offers, as named in YAML ({@code type: tcp}): its
 * option schema, its source and/or sink factory, and what it binds.
 *
 * @param name the YAML type name, unique across providers
 * @param description one line for the README table and {@code sluice transports}
 * @param options the accepted options (each says on which side it applies)
 * @param sourceFactory builds the source, or null when the type offers no source
 * @param sinkFactory builds the sink, or null when the type offers no sink
 * @param binder what a started endpoint listens on, for clash checks before start
 */
public record EndpointType(String name, String description, List<OptionSpec> options, SourceFactory sourceFactory,
        SinkFactory sinkFactory, Binder binder) {

    /** Validates the record's parts. */
    public EndpointType {
        Objects.requireNonNull(name, "name");
        options = List.copyOf(options);
        if (sourceFactory == null && sinkFactory == null) {
            throw new IllegalArgumentException(name + " offers neither a source nor a sink");
        }
        binder = binder == null ? (role, o) -> List.of() : binder;
    }

    /** Builds a source from validated options. */
    @FunctionalInterface
    public interface SourceFactory {
        /**
         * @param options validated options with defaults applied
         * @param context pipeline name, events, stdout
         * @return the source (binding happens on subscribe, not here)
         */
        Source<Message> source(EndpointOptions options, EndpointContext context);
    }

    /** Builds a sink from validated options. */
    @FunctionalInterface
    public interface SinkFactory {
        /**
         * @param options validated options with defaults applied
         * @param context pipeline name, events, stdout
         * @return the sink (connecting happens when it is given its flux, not here)
         */
        Sink<Message> sink(EndpointOptions options, EndpointContext context);
    }

    /** Says what an endpoint would bind, from its options alone (nothing is started). */
    @FunctionalInterface
    public interface Binder {
        /**
         * @param role source or sink
         * @param options validated options with defaults applied
         * @return the local addresses it listens on (empty for a connecting client)
         */
        List<Bind> binds(Role role, EndpointOptions options);
    }

    /** @return whether the type can be a pipeline's source */
    public boolean offersSource() {
        return sourceFactory != null;
    }

    /** @return whether the type can be a pipeline's sink */
    public boolean offersSink() {
        return sinkFactory != null;
    }

    /**
     * @param role a side
     * @return whether the type offers that side
     */
    public boolean offers(Role role) {
        return role == Role.SOURCE ? offersSource() : offersSink();
    }

    /**
     * @param role a side
     * @return the options accepted on that side
     */
    public List<OptionSpec> options(Role role) {
        return options.stream().filter(o -> o.appliesTo(role)).toList();
    }

    /**
     * @param name the YAML type name
     * @param description one line
     * @return a builder
     */
    public static Builder builder(String name, String description) {
        return new Builder(name, description);
    }

    /**
     * The usual start of a network type: the {@link OptionSpec#host()} and {@link OptionSpec#port()}
     * options, and a source that binds {@code host:port} while a sink connects ({@link Bind#tcpServer} or
     * {@link Bind#udpServer}; {@link Builder#binds} replaces it where the roles differ).
     *
     * @param name the YAML type name
     * @param description one line
     * @param protocol TCP or UDP
     * @return a builder with host, port and binder set
     */
    public static Builder network(String name, String description, Bind.Protocol protocol) {
        return builder(name, description).option(OptionSpec.host()).option(OptionSpec.port())
                .binds(protocol == Bind.Protocol.UDP ? Bind::udpServer : Bind::tcpServer);
    }

    /** Builds an {@link EndpointType}. */
    public static final class Builder {
        private final String name;
        private final String description;
        private final List<OptionSpec> options = new ArrayList<>();
        private SourceFactory source;
        private SinkFactory sink;
        private Binder binder;

        private Builder(String name, String description) {
            this.name = name;
            this.description = description;
        }

        /**
         * @param option an accepted option
         * @return this
         */
        public Builder option(OptionSpec option) {
            options.add(option);
            return this;
        }

        /**
         * @param factory the source factory
         * @return this
         */
        public Builder source(SourceFactory factory) {
            this.source = factory;
            return this;
        }

        /**
         * @param factory the sink factory
         * @return this
         */
        public Builder sink(SinkFactory factory) {
            this.sink = factory;
            return this;
        }

        /**
         * @param binder what the endpoint binds
         * @return this
         */
        public Builder binds(Binder binder) {
            this.binder = binder;
            return this;
        }

        /** @return the endpoint type */
        public EndpointType build() {
            return new EndpointType(name, description, options, source, sink, binder);
        }
    }
}
