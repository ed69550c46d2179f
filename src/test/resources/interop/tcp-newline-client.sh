# Every line of messages.txt is one message; a last line without '\n' is one too.
socat -u FILE:messages.txt TCP:127.0.0.1:$PORT
