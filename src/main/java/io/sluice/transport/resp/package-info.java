/**
 * The RESP (Redis serialization protocol) transport: any Redis client works. The two servers decode
 * requests with {@code RespRequestDecoder} and write pre-encoded replies
 * ({@code RespReply}); the client sink uses Netty's Redis codec.
 * {@link io.sluice.transport.resp.RespSource} ({@code type: resp}) turns producers' {@code UPDATE item
 * priority} and {@code RPUSH}/{@code LPUSH key value} commands into messages;
 * {@link io.sluice.transport.resp.PriorityQueueSink} ({@code type: priority-queue}) is a Barbershop:
 * a prioritised backlog that workers pull with {@code NEXT} / {@code BNEXT}, inspect with {@code PEEK}
 * and {@code INFO}, and that survives restarts through snapshots;
 * {@link io.sluice.transport.resp.RespClientSink} ({@code type: resp} as a sink) is a Redis-protocol
 * client sending each message's payload as one command line (an HTTP pipeline feeding a
 * {@code resp} source). Both servers answer on the connection's event loop and write one buffer
 * per read batch; they run on event loops of their own ({@code RespLoops}, option
 * {@code eventLoopThreads}, default one thread for all the RESP servers of the process), so a
 * producer's request is read, put in the backlog and answered on the thread that serves the workers,
 * as redis-server serves all its clients. Errors follow Redis: {@code -ERR}
 * replies keep the connection open, protocol errors close it with the reason.
 * {@link io.sluice.transport.resp.RespProvider} registers them with the gateway.
 */
package io.sluice.transport.resp;
