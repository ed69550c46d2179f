import os, socket, struct
s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])))
for name in sorted(os.listdir("messages")):                 # one file = one message
    data = open("messages/" + name, "rb").read()
    s.sendall(struct.pack(">I", len(data)) + data)          # 4-byte big-endian length, then the bytes
s.close()
