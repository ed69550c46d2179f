# Accept one connection and write the byte stream to received.bin: (4-byte length, payload) repeated.
socat -u TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr CREATE:received.bin
