/**
 * The RESP (Redis serialization protocol) transport, on Netty's Redis codec: any Redis client works.
 * {@link io.sluice.transport.resp.RespSource} ({@code type: resp}) turns producers' {@code UPDATE item
 * priority} and {@code RPUSH}/{@code LPUSH key value} commands into messages;
 * {@link io.sluice.transport.resp.PriorityQueueSink} ({@code type: priority-queue}) is a Barbershop:
 * a prioritised backlog that workers pull with {@code NEXT} / {@code BNEXT}, inspect with {@code PEEK}
 * and {@code INFO}, and that survives restarts through snapshots. Errors follow Redis: {@code -ERR}
 * replies keep the connection open, protocol errors close it with the reason.
 * {@link io.sluice.transport.resp.RespProvider} registers both with the gateway.
 */
package io.sluice.transport.resp;
