package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.transport.internal.BuilderFactories;
import io.sluice.transport.tcp.TcpBuilder;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link Transports} is the one way to a builder: no builder has a public constructor. */
class TransportsFacadeTest {

    private static List<Method> factories() {
        return Arrays.stream(Transports.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
                .collect(Collectors.toList());
    }

    @Test
    void everyBuilderOfTheFacadeHasOnlyNonPublicConstructors() {
        List<String> names = factories().stream().map(Method::getName).sorted().collect(Collectors.toList());
        assertThat(names).containsExactly("grpc", "http", "kafka", "rsocket", "tcp", "udp", "websocket", "zmq");
        for (Method m : factories()) {
            Class<?> builder = m.getReturnType();
            assertThat(builder.getConstructors()).as("public constructors of %s", builder.getName()).isEmpty();
            assertThat(Arrays.stream(builder.getDeclaredConstructors())
                    .filter(c -> Modifier.isProtected(c.getModifiers())))
                    .as("protected constructors of %s", builder.getName()).isEmpty();
        }
    }

    @Test
    void everyCallGivesAFreshBuilderWithItsDefaults() throws Exception {
        for (Method m : factories()) {
            Object a = m.invoke(null);
            Object b = m.invoke(null);
            assertThat(a).as(m.getName()).isNotNull().isInstanceOf(m.getReturnType()).isNotSameAs(b);
        }
        TcpBuilder changed = Transports.tcp().port(7000);
        assertThat(changed.port()).isEqualTo(7000);
        assertThat(Transports.tcp().port()).as("a new builder is not the changed one").isZero();
    }

    @Test
    void aBuilderRegistersOnceAndAnUnregisteredTypeIsAnError() {
        Transports.tcp();
        assertThatThrownBy(() -> BuilderFactories.register(TcpBuilder.class, () -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
        assertThatThrownBy(() -> BuilderFactories.create(String.class))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("registers no builder factory");
    }
}
