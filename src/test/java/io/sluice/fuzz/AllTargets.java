package io.sluice.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every {@code @FuzzTest} in one JVM, for CI's time-boxed fuzzing run ({@code scripts/fuzz.sh --ci}):
 * Jazzer fuzzes one target per JVM (libFuzzer's state is global), and starting a JVM per target cost
 * more than CI's budget. This is one more {@code @FuzzTest} ({@link #all}) whose first input
 * byte chooses the target ({@code byte % number of targets}) and whose remaining bytes are that
 * target's input, exactly as the target's own {@code @FuzzTest} would get them (a {@code byte[]}, or a
 * {@link FuzzedDataProvider} over the same bytes). Coverage guidance learns the first byte like any
 * other, so every target is fuzzed, each with its own committed corpus as seeds (the script prefixes
 * each seed with its target's byte).
 *
 * <p>A finding's input minus its first byte is a regression input for the target the first byte
 * names: the script writes it to {@code target/fuzz/findings/<class>.<method>/}, ready to be copied into
 * the target's {@code *FuzzTestInputs/<method>/} folder.
 *
 * <p>The targets are set up as JUnit would for one test: {@code @BeforeAll} methods, an instance,
 * {@code @BeforeEach} methods, once, when the fuzzer starts. Run through Jazzer's JUnit runner like
 * the targets themselves (Netty is then initialised before Jazzer's hooks are installed, as for them).
 * Without {@link #TARGETS} (the fuzz-regression execution of {@code mvn verify}) it does nothing.
 */
class AllTargets {

    /** System property: the targets, {@code class#method} separated by commas, in selector order. */
    public static final String TARGETS = "sluice.fuzz.targets";

    private static final List<Target> LOADED = new ArrayList<>();
    private static long[] executions;

    /** One fuzz target: its name, test instance and {@code @FuzzTest} method. */
    private record Target(String name, Object instance, Method method, boolean provider) {
        void run(FuzzedDataProvider data) throws Throwable {
            try {
                method.invoke(instance, provider ? data : data.consumeRemainingAsBytes());
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    /**
     * Sets up every target named in {@link #TARGETS}, once, before fuzzing.
     *
     * @throws Exception when a target cannot be found or set up
     */
    @BeforeAll
    static void setUp() throws Exception {
        String names = System.getProperty(TARGETS, "");
        for (String name : names.split(",")) {
            if (!name.isBlank()) {
                LOADED.add(load(name.trim()));
            }
        }
        if (LOADED.isEmpty()) {
            return; // regression mode: nothing to replay here, every target replays its own corpus
        }
        executions = new long[LOADED.size()];
        Runtime.getRuntime().addShutdownHook(new Thread(AllTargets::printExecutions, "fuzz-executions"));
    }

    /** Prints how many inputs each target ran (one line, {@code fuzz targets: name=n, ...}). */
    private static synchronized void printExecutions() {
        StringBuilder b = new StringBuilder("fuzz targets:");
        for (int i = 0; i < LOADED.size(); i++) {
            b.append(i == 0 ? " " : ", ").append(LOADED.get(i).name()).append('=').append(executions[i]);
        }
        System.out.println(b);
        System.out.flush();
    }

    /**
     * One input: the first byte chooses the target, which gets the rest.
     *
     * @param data the fuzzer's input
     * @throws Throwable whatever the target threw (a finding)
     */
    @FuzzTest(maxDuration = "60s")
    void all(FuzzedDataProvider data) throws Throwable {
        if (LOADED.isEmpty()) {
            return;
        }
        byte[] selector = data.consumeBytes(1);
        int i = selector.length == 0 ? 0 : (selector[0] & 0xff) % LOADED.size();
        executions[i]++;
        LOADED.get(i).run(data);
    }

    private static Target load(String name) throws Exception {
        int hash = name.indexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("not class#method: " + name);
        }
        Class<?> cls = Class.forName(name.substring(0, hash));
        String methodName = name.substring(hash + 1);
        for (Method m : cls.getDeclaredMethods()) {
            if (m.isAnnotationPresent(BeforeAll.class) && Modifier.isStatic(m.getModifiers())) {
                invoke(m, null);
            }
        }
        Constructor<?> c = cls.getDeclaredConstructor();
        c.setAccessible(true);
        Object instance = c.newInstance();
        for (Method m : cls.getDeclaredMethods()) {
            if (m.isAnnotationPresent(BeforeEach.class)) {
                invoke(m, instance);
            }
        }
        for (Method m : cls.getDeclaredMethods()) {
            if (m.getName().equals(methodName) && m.isAnnotationPresent(FuzzTest.class) && m.getParameterCount() == 1) {
                Class<?> p = m.getParameterTypes()[0];
                if (p != byte[].class && p != FuzzedDataProvider.class) {
                    throw new IllegalArgumentException(name + " takes " + p.getName() + ", not byte[] or FuzzedDataProvider");
                }
                m.setAccessible(true);
                return new Target(name, instance, m, p == FuzzedDataProvider.class);
            }
        }
        throw new IllegalArgumentException("no @FuzzTest method " + name);
    }

    private static void invoke(Method m, Object on) throws Exception {
        m.setAccessible(true);
        try {
            m.invoke(on);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }
}
