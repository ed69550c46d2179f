package io.sluice.transport.zmq;

import io.sluice.transport.Transports;
import io.sluice.transport.spi.Bind;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.OptionType;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportProvider;
import io.sluice.transport.auth.ZmqCurve;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ZeroMQ endpoint types: {@code zmq-pull} and {@code zmq-sub} sources, {@code zmq-push} and
 * {@code zmq-pub} sinks ({@link ZmqSource}, {@link ZmqSink}). Receiving sockets bind and sending ones
 * connect unless {@code bind} says otherwise; a {@code tcp://host:port} bind is reported for clash checks.
 */
public final class ZmqProvider implements TransportProvider {

    private static final Pattern TCP_ENDPOINT = Pattern.compile("tcp://(.+):(\\d+)");


    @Override
    public List<EndpointType> endpointTypes() {
        return List.of(
                type("zmq-pull", "ZeroMQ PULL socket (from PUSH peers)", true)
                        .source((o, c) -> curve(builder(o, c), o, Role.SOURCE).pullSource()).build(),
                type("zmq-sub", "ZeroMQ SUB socket (from PUB peers)", true)
                        .option(OptionSpec.optional("topics", OptionType.STRING_LIST, List.of(""),
                                "topic prefixes to subscribe to (empty: every message)"))
                        .source((o, c) -> curve(builder(o, c), o, Role.SOURCE)
                                .subscribe(o.strings("topics").toArray(new String[0])).subSource()).build(),
                type("zmq-push", "ZeroMQ PUSH socket (to PULL peers)", false).option(plainOption())
                        .sink((o, c) -> curve(builder(o, c), o, Role.SINK).plain(o.bool("plain")).pushSink()).build(),
                type("zmq-pub", "ZeroMQ PUB socket (to SUB peers; topic = message key)", false).option(plainOption())
                        .sink((o, c) -> curve(builder(o, c), o, Role.SINK).plain(o.bool("plain")).pubSink()).build());
    }

    private static OptionSpec plainOption() {
        return OptionSpec.optional("plain", OptionType.BOOLEAN, false,
                "send only the payload frame (after the topic on PUB), no Sluice metadata frame").sinkOnly();
    }

    private static EndpointType.Builder type(String name, String description, boolean receiving) {
        return EndpointType.builder(name, description)
                .option(OptionSpec.required("endpoint", OptionType.STRING,
                        "ZeroMQ endpoint, e.g. tcp://127.0.0.1:5555"))
                .option(OptionSpec.optional("bind", OptionType.BOOLEAN, receiving,
                        "bind the endpoint (else connect to it)"))
                .option(ZmqCurve.curveOption())
                .binds(ZmqProvider::binds);
    }

    /**
     * @param role unused: whether it binds is the {@code bind} option's
     * @param o options with {@code endpoint} and {@code bind}
     * @return the TCP address of a bound {@code tcp://host:port} endpoint; nothing for other endpoints
     */
    static List<Bind> binds(Role role, EndpointOptions o) {
        if (!Boolean.TRUE.equals(o.bool("bind")) || o.string("endpoint") == null) {
            return List.of();
        }
        Matcher m = TCP_ENDPOINT.matcher(o.string("endpoint").trim());
        if (!m.matches()) {
            return List.of();
        }
        try {
            return List.of(new Bind(Bind.Protocol.TCP, m.group(1), Integer.parseInt(m.group(2))));
        } catch (NumberFormatException notAPort) {
            return List.of();
        }
    }

    /** CURVE from the {@code curve} group: a source is the CURVE server, a sink a client (file names as given). */
    private static ZmqBuilder curve(ZmqBuilder b, EndpointOptions o, Role role) {
        EndpointOptions g = o.group("curve");
        if (g == null) {
            return b;
        }
        if (role == Role.SOURCE) {
            String allowed = g.string("allowedClients");
            java.time.Duration interval = g.duration("reloadInterval");
            return b.curveServer(Path.of(g.string("secretKey")), allowed == null ? null : Path.of(allowed),
                    interval == null ? java.time.Duration.ofSeconds(10) : interval);
        }
        if (g.string("serverKey") == null) {
            throw new IllegalArgumentException("curve.serverKey: required on a sink (the server's public certificate)");
        }
        return b.curveClient(Path.of(g.string("secretKey")), Path.of(g.string("serverKey")));
    }

    private static ZmqBuilder builder(EndpointOptions o, EndpointContext c) {
        return Transports.zmq().endpoint(o.string("endpoint")).bind(o.bool("bind")).events(c.events());
    }
}
