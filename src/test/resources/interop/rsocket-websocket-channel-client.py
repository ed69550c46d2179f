import asyncio, os, struct, websockets
def frame(stream, ftype, flags, body):                      # over WebSocket: no length, one frame per message
    return struct.pack(">IH", stream, ftype << 10 | flags) + body
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/" % os.environ["PORT"], max_size=None) as ws:
        mime = b"\x18application/octet-stream"
        await ws.send(frame(0, 0x01, 0, struct.pack(">HHII", 1, 0, 30000, 90000) + mime + mime))   # SETUP 1.0
        data = [open("messages/" + n, "rb").read() for n in sorted(os.listdir("messages"))]
        await ws.send(frame(1, 0x07, 0, struct.pack(">I", 1) + data[0]))   # REQUEST_CHANNEL: request 1, 1st payload
        sent, credit = 1, 0
        while True:
            f = await ws.recv()
            ftype = struct.unpack(">IH", f[:6])[1] >> 10
            if ftype == 0x08:                               # REQUEST_N from the source: that many more
                credit += struct.unpack(">I", f[6:10])[0]
                while credit > 0 and sent < len(data):
                    await ws.send(frame(1, 0x0A, 0x20, data[sent])); sent += 1; credit -= 1   # PAYLOAD, NEXT
                if sent == len(data):
                    await ws.send(frame(1, 0x0A, 0x40, b"")); sent += 1                       # PAYLOAD, COMPLETE
            elif ftype == 0x0A:                             # PAYLOAD: the source's answer (the count)
                print("answered", f[6:].decode()); break
asyncio.run(main())
