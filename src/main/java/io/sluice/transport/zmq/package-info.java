/**
 * ZeroMQ transport (JeroMQ): PUSH/PULL, PUB/SUB and REQ/REP with a Lazy Pirate client, each socket
 * on its own thread. Obtain it from {@code Transports.zmq()}.
 */
package io.sluice.transport.zmq;
