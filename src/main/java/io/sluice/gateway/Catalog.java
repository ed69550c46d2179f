package io.sluice.gateway;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a configuration may name: endpoint types, step types, and their options. */
final class Catalog {

    /**
     * @param name option name
     * @param kind value kind
     * @param required must be given
     * @param allowed for text options with a fixed set of values, the values; else empty
     */
    record Option(String name, OptionKind kind, boolean required, List<String> allowed) {
    }

    /**
     * @param name type name
     * @param source usable as a source
     * @param sink usable as a sink
     * @param options accepted options
     */
    record Type(String name, boolean source, boolean sink, Map<String, Option> options) {
    }

    static final List<String> POLICIES = List.of("drop-newest", "overwrite-oldest", "block", "fail");

    static final Map<String, Type> ENDPOINTS = index(
            type("generator", true, false,
                    opt("count", OptionKind.POSITIVE_INT), opt("size", OptionKind.POSITIVE_INT),
                    opt("interval", OptionKind.DURATION), opt("rate", OptionKind.POSITIVE_INT),
                    opt("devices", OptionKind.POSITIVE_INT)),
            type("dir", true, false,
                    req("path", OptionKind.STRING), opt("glob", OptionKind.STRING),
                    opt("concurrency", OptionKind.POSITIVE_INT), opt("maxFileSize", OptionKind.POSITIVE_INT)),
            type("file", false, true,
                    req("path", OptionKind.STRING), choice("format", "newline", "length-prefixed", "raw"),
                    opt("bufferSize", OptionKind.POSITIVE_INT), opt("flushInterval", OptionKind.DURATION),
                    opt("append", OptionKind.BOOLEAN)),
            type("stdout", false, true),
            type("discard", false, true, opt("delay", OptionKind.DURATION)),
            type("tcp", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT),
                    choice("framing", "newline", "length-prefixed"), opt("maxFrame", OptionKind.POSITIVE_INT),
                    opt("maxConnections", OptionKind.POSITIVE_INT)),
            type("udp", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT), opt("sequenced", OptionKind.BOOLEAN)),
            type("http", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT), opt("path", OptionKind.STRING),
                    opt("maxBody", OptionKind.POSITIVE_INT), opt("concurrency", OptionKind.POSITIVE_INT)),
            type("grpc", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT), choice("mode", "stream", "unary"),
                    opt("maxMessageSize", OptionKind.POSITIVE_INT)),
            type("rsocket", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT),
                    choice("mode", "channel", "fire-and-forget", "stream"), opt("webSocket", OptionKind.BOOLEAN)),
            type("zmq-pull", true, false, req("endpoint", OptionKind.STRING), opt("bind", OptionKind.BOOLEAN)),
            type("zmq-sub", true, false, req("endpoint", OptionKind.STRING), opt("bind", OptionKind.BOOLEAN),
                    opt("topics", OptionKind.STRING_LIST)),
            type("zmq-push", false, true, req("endpoint", OptionKind.STRING), opt("bind", OptionKind.BOOLEAN)),
            type("zmq-pub", false, true, req("endpoint", OptionKind.STRING), opt("bind", OptionKind.BOOLEAN)),
            type("websocket", true, true,
                    opt("host", OptionKind.STRING), req("port", OptionKind.PORT), opt("path", OptionKind.STRING),
                    opt("maxFrame", OptionKind.POSITIVE_INT)));

    static final Map<String, Type> STEPS = index(
            type("filter-header", false, false, req("name", OptionKind.STRING), opt("equals", OptionKind.STRING)),
            type("set-header", false, false, req("name", OptionKind.STRING), req("value", OptionKind.STRING)),
            type("rename-header", false, false, req("from", OptionKind.STRING), req("to", OptionKind.STRING)),
            type("sample", false, false, req("every", OptionKind.POSITIVE_INT)),
            type("delay", false, false, req("per", OptionKind.DURATION)),
            type("stats", false, false, opt("value", OptionKind.STRING), opt("by", OptionKind.STRING)),
            type("parse-json", false, false, req("fields", OptionKind.STRING_LIST),
                    choice("onError", "drop", "fail")));

    private Catalog() {
    }

    private static Type type(String name, boolean source, boolean sink, Option... options) {
        Map<String, Option> m = new LinkedHashMap<>();
        for (Option o : options) {
            m.put(o.name(), o);
        }
        return new Type(name, source, sink, m);
    }

    private static Option opt(String name, OptionKind kind) {
        return new Option(name, kind, false, List.of());
    }

    private static Option req(String name, OptionKind kind) {
        return new Option(name, kind, true, List.of());
    }

    private static Option choice(String name, String... values) {
        return new Option(name, OptionKind.STRING, false, Arrays.asList(values));
    }

    private static Map<String, Type> index(Type... types) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (Type t : types) {
            m.put(t.name(), t);
        }
        return m;
    }

    static List<String> names(Map<String, Type> types, boolean source) {
        return types.values().stream().filter(t -> source ? t.source() : t.sink()).map(Type::name).toList();
    }
}
