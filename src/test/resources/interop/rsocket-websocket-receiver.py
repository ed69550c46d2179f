import asyncio, os, struct, websockets
async def main():
    done = asyncio.get_running_loop().create_future()
    async def receive(ws, path=None):                       # one binary message = one RSocket frame
        n = 0
        try:
            async for frame in ws:
                stream, type_flags = struct.unpack(">IH", frame[:6])
                ftype, flags, body = type_flags >> 10, type_flags & 0x3FF, frame[6:]
                if ftype == 0x05:                           # REQUEST_FNF: [metadata length + metadata] data
                    if flags & 0x100:
                        body = body[3 + int.from_bytes(body[:3], "big"):]
                    open("received/%05d" % n, "wb").write(body); n += 1
                elif ftype == 0x04:                         # REQUEST_RESPONSE (the sender's barrier): PAYLOAD
                    await ws.send(struct.pack(">IH", stream, 0x0A << 10 | 0x60) + str(n).encode())
        finally:
            done.set_result(None)                           # the sender closed the connection
    async with websockets.serve(receive, "127.0.0.1", int(os.environ["PORT"]), max_size=None):
        await done
asyncio.run(main())
