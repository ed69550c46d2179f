package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit extension that fails a test class when Netty's leak detector reports a leaked buffer.
 * A {@link ResourceLeakDetectorFactory} whose detectors record every reported leak must be
 * installed before Netty's buffer classes create their detectors: {@link Installer}, a JUnit
 * launcher session listener, does it when the test run starts (the extension's static initialiser
 * is the fallback). Before the first test class, the extension proves that detection works by
 * leaking one buffer on purpose and waiting for its report (then forgetting it); after all tests
 * of the class it forces garbage collection, allocates tracked buffers so the detector polls its
 * reference queue, and asserts that no leak was recorded. Surefire runs with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 *
 * <p>grpc-netty-shaded carries its own, relocated copy of Netty
 * ({@code io.grpc.netty.shaded.io.netty}) with its own detector factory and its own system property
 * ({@code -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid}, also set by surefire). The
 * extension installs a recording factory there too, proves a deliberate shaded leak is reported,
 * and polls and checks both copies: a leak in gRPC's Netty fails the class like any other.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {

    /** Prefix of leak reports from grpc-netty-shaded's relocated Netty. */
    public static final String SHADED = "LEAK (grpc-netty-shaded) ";

    /** Leak reports seen so far in this JVM. */
    public static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    private static volatile boolean verified;

    static {
        install();
    }

    /** Installs the recording factory unless already installed. */
    static synchronized void install() {
        if (!(ResourceLeakDetectorFactory.instance() instanceof RecordingFactory)) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        }
        if (!(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetectorFactory.instance() instanceof ShadedRecordingFactory)) {
            io.grpc.netty.shaded.io.netty.util.ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
                    new ShadedRecordingFactory());
        }
    }

    /** Installs the recording factory when the JUnit launcher session opens, before any test. */
    public static final class Installer implements org.junit.platform.launcher.LauncherSessionListener {
        @Override
        public void launcherSessionOpened(org.junit.platform.launcher.LauncherSession session) {
            install();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        assertThat(ResourceLeakDetectorFactory.instance()).isInstanceOf(RecordingFactory.class);
        assertThat(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetectorFactory.instance())
                .isInstanceOf(ShadedRecordingFactory.class);
        if (verified) {
            return;
        }
        synchronized (NettyLeakCheck.class) {
            if (verified) {
                return;
            }
            assertThat(awaitLeak(NettyLeakCheck::leakOne, false))
                    .as("a deliberately leaked buffer was not reported: Netty created its leak detectors before"
                            + " NettyLeakCheck installed its factory, so leaks would go unnoticed")
                    .isTrue();
            assertThat(awaitLeak(NettyLeakCheck::leakOneShaded, true))
                    .as("a deliberately leaked grpc-netty-shaded buffer was not reported: is"
                            + " -Dio.grpc.netty.shaded.io.netty.leakDetection.level=paranoid set, and was the shaded"
                            + " factory installed before gRPC's Netty created its detectors?")
                    .isTrue();
            verified = true;
        }
    }

    /**
     * Runs {@code leak}, then collects garbage and polls both detectors until a report starting
     * from the expected Netty copy appears (bounded); forgets the reports it caused.
     *
     * @param leak leaks one buffer
     * @param shaded whether the leak is expected from grpc-netty-shaded's Netty
     * @return whether the leak was reported
     */
    static boolean awaitLeak(Runnable leak, boolean shaded) throws InterruptedException {
        int before = LEAKS.size();
        leak.run();
        boolean seen = false;
        for (int round = 0; round < 100 && !seen; round++) {
            System.gc();
            Thread.sleep(20);
            poll(16);
            seen = LEAKS.subList(before, LEAKS.size()).stream().anyMatch(l -> l.startsWith(SHADED) == shaded);
        }
        LEAKS.subList(before, LEAKS.size()).clear();
        return seen;
    }

    /** Allocates and releases tracked buffers in both Netty copies, so their detectors poll for leaks. */
    private static void poll(int buffers) {
        for (int i = 0; i < buffers; i++) {
            PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
            UnpooledByteBufAllocator.DEFAULT.heapBuffer(8).release();
            io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
            io.grpc.netty.shaded.io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.heapBuffer(8).release();
        }
    }

    /** Leaks one (unshaded) Netty buffer. */
    static void leakOne() {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(42);
    }

    /** Leaks one buffer of grpc-netty-shaded's relocated Netty. */
    static void leakOneShaded() {
        io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(42);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int round = 0; round < 4; round++) {
            System.gc();
            Thread.sleep(50);
            poll(64);
        }
        assertThat(LEAKS).as("Netty buffer leaks reported (level %s, grpc-netty-shaded level %s)",
                ResourceLeakDetector.getLevel(),
                io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel()).isEmpty();
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add("LEAK " + resourceType + ": " + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add("LEAK " + resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }

    /** The same recording factory for grpc-netty-shaded's relocated copy of Netty. */
    private static final class ShadedRecordingFactory
            extends io.grpc.netty.shaded.io.netty.util.ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return new io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add(SHADED + resourceType + ": " + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add(SHADED + resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
