package io.sluice.cli;

import io.sluice.gateway.GatewayConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code sluice transports}: the endpoint types on the class path and their options, as a Markdown table. */
@Command(name = "transports", mixinStandardHelpOptions = true,
        description = "List the source and sink types a configuration may name, with their options and defaults"
                + " (a Markdown table).")
final class TransportsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(TransportTable.markdown(GatewayConfig.transports().types()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
