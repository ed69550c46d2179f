package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
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
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {

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
        if (verified) {
            return;
        }
        synchronized (NettyLeakCheck.class) {
            if (verified) {
                return;
            }
            int before = LEAKS.size();
            leakOne();
            for (int round = 0; round < 100 && LEAKS.size() == before; round++) {
                System.gc();
                Thread.sleep(20);
                for (int i = 0; i < 16; i++) {
                    PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
                }
            }
            assertThat(LEAKS.size())
                    .as("a deliberately leaked buffer was not reported: Netty created its leak detectors before"
                            + " NettyLeakCheck installed its factory, so leaks would go unnoticed")
                    .isGreaterThan(before);
            LEAKS.subList(before, LEAKS.size()).clear();
            verified = true;
        }
    }

    private static void leakOne() {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(42);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int round = 0; round < 4; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 64; i++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                a.release();
                b.release();
            }
        }
        assertThat(LEAKS).as("Netty buffer leaks reported (level %s)", ResourceLeakDetector.getLevel()).isEmpty();
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
}
