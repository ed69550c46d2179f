package io.sluice.transport.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A hand-rolled WebSocket client on a plain socket (RFC 6455 handshake and frame layout), so
 * tests can send what a well-behaved client never would: garbage, unmasked or truncated frames.
 * Reads time out after 10 seconds.
 */
final class RawWebSocket implements AutoCloseable {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    /**
     * Connects and upgrades.
     *
     * @param port server port on 127.0.0.1
     * @param path endpoint path
     * @throws IOException if the connection fails or the server does not answer 101
     */
    RawWebSocket(int port, String path) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + head);
        }
    }

    /** Reads the response head byte by byte, so no frame byte after it is consumed. */
    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4 && head.size() < 8192) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /**
     * A client frame (masked, as RFC 6455 requires of clients).
     *
     * @param fin final fragment
     * @param opcode frame opcode
     * @param payload payload bytes
     * @return the frame's bytes
     */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n < 65536) {
            f.write(0x80 | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) n >>> shift));
            }
        }
        byte[] mask = {0x37, (byte) 0xFA, 0x21, 0x3D};
        f.write(mask, 0, 4);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i % 4]);
        }
        return f.toByteArray();
    }

    /** @return a normal-closure (1000) close frame */
    static byte[] closeFrame() {
        return frame(true, CLOSE, new byte[] {0x03, (byte) 0xE8});
    }

    /**
     * @param bytes raw bytes to write
     * @throws IOException if the write fails
     */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads until the server closes the connection.
     *
     * @return true if the connection ended (EOF or reset) within the read timeout, false on timeout
     * @throws IOException on another read failure
     */
    boolean awaitClosedByServer() throws IOException {
        byte[] buf = new byte[4096];
        long deadline = System.nanoTime() + 10_000_000_000L;
        try {
            while (in.read(buf) >= 0) {
                // discard whatever the server sends before closing, e.g. its close frame
                if (System.nanoTime() > deadline) {
                    return false;
                }
            }
            return true;
        } catch (SocketTimeoutException timeout) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /**
     * Reads server frames until a close frame and returns its status code and reason.
     *
     * @return "status reason", or "EOF"/"RESET" when the connection ended without a close frame
     * @throws IOException on a read timeout
     */
    String readClose() throws IOException {
        java.io.DataInputStream d = new java.io.DataInputStream(in);
        try {
            while (true) {
                int b0 = d.readUnsignedByte();
                int len = d.readUnsignedByte() & 0x7F;
                if (len == 126) {
                    len = d.readUnsignedShort();
                } else if (len == 127) {
                    len = (int) d.readLong();
                }
                byte[] payload = new byte[len];
                d.readFully(payload);
                if ((b0 & 0x0F) == CLOSE) {
                    int status = len >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    return status + " " + new String(payload, Math.min(2, len), Math.max(0, len - 2), StandardCharsets.UTF_8);
                }
            }
        } catch (java.io.EOFException eof) {
            return "EOF";
        } catch (SocketException reset) {
            return "RESET";
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
