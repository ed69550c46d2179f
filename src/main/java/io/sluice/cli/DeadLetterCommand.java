package io.sluice.cli;

import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.GatewayConfig;
import io.sluice.pipeline.Sink;
import io.sluice.transport.resilience.DeadLetterFile;
import io.sluice.transport.resilience.ResilientSink;
import io.sluice.transport.spi.EndpointContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice dead-letter replay FILE --config GATEWAY.yaml --to PIPELINE}: sends the messages of a
 * dead-letter file again, to the <b>sink</b> of the named pipeline of a gateway configuration. The
 * messages were dead-lettered after the pipeline's steps ran, so they go straight to a fresh sink
 * built from that pipeline's configuration (with its {@code retry} and {@code deadLetter} settings),
 * not through the source: this works the same whether a gateway with that configuration is running
 * or not, since a sink is a client of its receiver (a sink that binds cannot be replayed to while
 * its gateway runs, and is refused).
 *
 * <p>The file is first moved aside to {@code FILE.replaying}, so that messages refused again (the
 * pipeline's dead-letter file may be the same path) start a new file instead of being read again;
 * it is deleted once every message was delivered (acknowledged by the sink, or dead-lettered again),
 * and moved back when the replay fails. Exit codes: 0 replayed, 1 failed (file moved back),
 * 2 nothing to do or bad arguments (no such file or pipeline, a replay already under way).
 */
@Command(name = "dead-letter", mixinStandardHelpOptions = true,
        description = "Work with dead-letter files (messages a sink's receiver refused for good).")
final class DeadLetterCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return SluiceCli.CANNOT_START;
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Send a dead-letter file's messages again to the sink of pipeline PIPELINE of the"
                    + " configuration (straight to the sink: the steps already ran). Works with or without a running gateway.")
    int replay(@Parameters(paramLabel = "FILE", description = "the dead-letter file") Path file,
               @Option(names = "--config", required = true, paramLabel = "GATEWAY.yaml",
                       description = "the gateway configuration that names the pipeline") Path config,
               @Option(names = "--to", required = true, paramLabel = "PIPELINE",
                       description = "the pipeline whose sink receives the messages") String pipeline,
               @Option(names = "--timeout", defaultValue = "5m", description = "give up after this long (default 5m)")
               String timeout) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GatewayConfig c;
        try {
            c = GatewayConfig.load(config);
        } catch (ConfigException e) {
            SluiceCli.printErrors(err, config, e);
            return SluiceCli.CANNOT_START;
        } catch (IOException e) {
            err.println(config + ": cannot read: " + e);
            err.flush();
            return SluiceCli.CANNOT_START;
        }
        Optional<GatewayConfig.PipelineSpec> found = c.pipelines().stream().filter(p -> p.name().equals(pipeline)).findFirst();
        if (found.isEmpty()) {
            err.println(config + ": no pipeline named '" + pipeline + "'");
            err.flush();
            return SluiceCli.CANNOT_START;
        }
        GatewayConfig.Endpoint sinkSpec = found.get().sink();
        if (!sinkSpec.binds().isEmpty()) {
            err.println("pipeline '" + pipeline + "': its " + sinkSpec.type() + " sink binds; replay needs a sink that connects");
            err.flush();
            return SluiceCli.CANNOT_START;
        }
        Duration limit = (Duration) io.sluice.transport.spi.OptionType.DURATION.convert(timeout);
        Path aside = file.resolveSibling(file.getFileName() + ".replaying");
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file" + (Files.exists(aside) ? " (" + aside + " exists: a replay is under way"
                    + " or was interrupted; move it back to replay it)" : ""));
            err.flush();
            return SluiceCli.CANNOT_START;
        } catch (IOException e) {
            err.println(file + ": cannot move it aside to " + aside + ": " + e);
            err.flush();
            return SluiceCli.CANNOT_START;
        }
        EventDispatcher events = new EventDispatcher();
        Sink<Message> sink = sinkSpec.sink(new EndpointContext(pipeline, events, System.out));
        AtomicLong read = new AtomicLong();
        AtomicLong delivered = new AtomicLong();
        boolean acks = sink.acknowledges();
        try {
            sink.write(DeadLetterFile.read(aside).map(m -> {
                read.incrementAndGet();
                if (!acks) {
                    delivered.incrementAndGet();
                    return m;
                }
                return m.withAck(Ack.once(delivered::incrementAndGet));
            })).block(limit);
        } catch (RuntimeException e) {
            moveBack(aside, file, err);
            err.println("replay to pipeline '" + pipeline + "' failed after " + delivered.get() + " of " + read.get()
                    + " message(s): " + e.getMessage());
            err.flush();
            return SluiceCli.INVALID;
        }
        try {
            Files.delete(aside);
        } catch (IOException e) {
            err.println("replayed, but cannot delete " + aside + ": " + e);
        }
        long again = sink instanceof ResilientSink rs ? rs.deadLettered() : 0;
        out.println("replayed " + delivered.get() + " of " + read.get() + " message(s) from " + file + " to the "
                + sinkSpec.type() + " sink of pipeline '" + pipeline + "'"
                + (again > 0 ? " (" + again + " refused again, dead-lettered again)" : ""));
        out.flush();
        err.flush();
        return 0;
    }

    private static void moveBack(Path aside, Path file, PrintWriter err) {
        try {
            if (Files.exists(file)) {
                err.println("left the messages in " + aside + " (" + file + " was written meanwhile)");
            } else {
                Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            err.println("cannot move " + aside + " back to " + file + ": " + e);
        }
    }
}
