import os, socket, struct
def frame(stream, ftype, flags, body):                      # 24-bit length, stream id, 6-bit type + 10-bit flags
    f = struct.pack(">IH", stream, ftype << 10 | flags) + body
    return len(f).to_bytes(3, "big") + f
s = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])))
mime = b"\x18application/octet-stream"
s.sendall(frame(0, 0x01, 0, struct.pack(">HHII", 1, 0, 30000, 90000) + mime + mime))   # SETUP 1.0
names = sorted(os.listdir("messages"))
for i, name in enumerate(names):                            # REQUEST_FNF: data only, or routing metadata + data
    data = open("messages/" + name, "rb").read()
    route = b"\x06ingest"                                   # routing metadata: tag length, tag
    s.sendall(frame(2 * i + 1, 0x05, 0, data) if i % 2 == 0 else
              frame(2 * i + 1, 0x05, 0x100, len(route).to_bytes(3, "big") + route + data))
s.sendall(frame(2 * len(names) + 1, 0x04, 0, b""))         # REQUEST_RESPONSE: answered after the above
print("answered", s.recv(64)[9:].decode())                 # PAYLOAD frame: 3 + 6 header bytes, then data
s.close()
