# Accept one connection and write the byte stream to received.txt: one message per line.
socat -u TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr CREATE:received.txt
