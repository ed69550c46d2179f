package io.sluice.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.gateway.ConfigException;
import io.sluice.gateway.GatewayConfig;

/**
 * Fuzzes the YAML configuration reader: whatever the text, {@code GatewayConfig.parse} either returns a
 * configuration or throws {@link ConfigException} (the reported error {@code sluice validate} prints);
 * any other exception, an OOM or a hang is a finding. Regression mode replays
 * {@code src/test/resources/io/sluice/fuzz/ConfigFuzzTestInputs/}.
 */
class ConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void parseReportsOrAccepts(FuzzedDataProvider data) {
        String yaml = data.consumeRemainingAsString();
        try {
            GatewayConfig.parse(yaml);
        } catch (ConfigException expected) {
            // a reported configuration error is the documented rejection
        }
    }
}
