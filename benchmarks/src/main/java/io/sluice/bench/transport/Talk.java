package io.sluice.bench.transport;

import java.util.Map;

/**
 * The talk's transport table (ns per message, Go, one laptop), from the project lead's notes.
 * {@code null} = lost or broken in the talk.
 */
final class Talk {
    static final int[] SIZES = {18, 4266, 6786, 79435};
    static final String[] SIZE_NAMES = {"small", "medium", "large", "very large"};

    /** row -> {sequential[4], parallel[4]} */
    private static final Map<String, Long[][]> TABLE = Map.of(
            "unary HTTP", rows(new Long[] {46942L, 57682L, 58412L, 170765L}, new Long[] {44874L, 40308L, 40461L, 98686L}),
            "unary UDP", rows(new Long[] {1064L, 7128L, 9013L, null}, new Long[] {1775L, 2801L, 3063L, null}),
            "unary gRPC", rows(new Long[] {70816L, 93274L, 92594L, 212194L}, new Long[] {18813L, 25950L, 28199L, 127414L}),
            "streaming TCP", rows(new Long[] {3261L, null, null, null}, new Long[] {3106L, null, null, null}),
            "streaming UDP", rows(new Long[] {1955L, 3544L, 4400L, null}, new Long[] {2324L, 4010L, 4543L, null}),
            "streaming WebSocket", rows(new Long[] {3769L, 10107L, 10646L, 120604L},
                    new Long[] {1090L, 4498L, 4951L, 47776L}),
            "streaming gRPC", rows(new Long[] {3004L, 9883L, 13296L, 123162L}, new Long[] {1075L, 6810L, 8813L, 73845L}));

    private Talk() {
    }

    private static Long[][] rows(Long[] sequential, Long[] parallel) {
        return new Long[][] {sequential, parallel};
    }

    /** @return the talk's ns/message, or null when it has none */
    static Long figure(String row, boolean parallel, int sizeIndex) {
        Long[][] r = row == null ? null : TABLE.get(row);
        return r == null ? null : r[parallel ? 1 : 0][sizeIndex];
    }
}
