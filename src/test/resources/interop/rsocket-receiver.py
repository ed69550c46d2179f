import os, socket, struct
srv = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
conn, _ = srv.accept()
f, n = conn.makefile("rb"), 0
while (head := f.read(3)):                                  # until the sender closes the connection
    frame = f.read(int.from_bytes(head, "big"))
    stream, type_flags = struct.unpack(">IH", frame[:6])
    ftype, flags, body = type_flags >> 10, type_flags & 0x3FF, frame[6:]
    if ftype == 0x05:                                       # REQUEST_FNF: [metadata length + metadata] data
        if flags & 0x100:
            body = body[3 + int.from_bytes(body[:3], "big"):]
        open("received/%05d" % n, "wb").write(body); n += 1
    elif ftype == 0x04:                                     # REQUEST_RESPONSE (the sender's barrier)
        reply = struct.pack(">IH", stream, 0x0A << 10 | 0x60) + str(n).encode()   # PAYLOAD, NEXT + COMPLETE
        conn.sendall(len(reply).to_bytes(3, "big") + reply)
