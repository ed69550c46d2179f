package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Proves that {@link NettyLeakCheck} sees a leaked buffer, in Netty and in grpc-netty-shaded's
 * relocated Netty (then forgets it, so the class passes).
 */
@ExtendWith(NettyLeakCheck.class)
class NettyLeakCheckSelfTest {

    @Test
    void aLeakedBufferIsRecorded() throws Exception {
        int before = NettyLeakCheck.LEAKS.size();
        leak();
        for (int round = 0; round < 50 && NettyLeakCheck.LEAKS.size() == before; round++) {
            System.gc();
            Thread.sleep(20);
            for (int i = 0; i < 16; i++) {
                PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
            }
        }
        assertThat(NettyLeakCheck.LEAKS.size()).isGreaterThan(before);
        assertThat(NettyLeakCheck.LEAKS.get(before)).startsWith("LEAK");
        NettyLeakCheck.LEAKS.subList(before, NettyLeakCheck.LEAKS.size()).clear();
    }

    @Test
    void aLeakedGrpcNettyShadedBufferIsRecorded() throws Exception {
        assertThat(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel())
                .as("surefire argLine sets io.grpc.netty.shaded.io.netty.leakDetection.level")
                .isEqualTo(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.PARANOID);
        int before = NettyLeakCheck.LEAKS.size();
        NettyLeakCheck.leakOneShaded();
        for (int round = 0; round < 50 && NettyLeakCheck.LEAKS.size() == before; round++) {
            System.gc();
            Thread.sleep(20);
            for (int i = 0; i < 16; i++) {
                io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
            }
        }
        assertThat(NettyLeakCheck.LEAKS.size()).isGreaterThan(before);
        assertThat(NettyLeakCheck.LEAKS.get(before)).startsWith(NettyLeakCheck.SHADED);
        NettyLeakCheck.LEAKS.subList(before, NettyLeakCheck.LEAKS.size()).clear();
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
    }
}
