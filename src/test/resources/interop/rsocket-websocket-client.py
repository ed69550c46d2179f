import asyncio, os, struct, websockets
def frame(stream, ftype, flags, body):                      # over WebSocket: no length, one frame per message
    return struct.pack(">IH", stream, ftype << 10 | flags) + body
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/" % os.environ["PORT"], max_size=None) as ws:
        mime = b"\x18application/octet-stream"
        await ws.send(frame(0, 0x01, 0, struct.pack(">HHII", 1, 0, 30000, 90000) + mime + mime))   # SETUP 1.0
        names = sorted(os.listdir("messages"))
        for i, name in enumerate(names):                    # REQUEST_FNF: data only, or routing metadata + data
            data, route = open("messages/" + name, "rb").read(), b"\x06ingest"
            await ws.send(frame(2 * i + 1, 0x05, 0, data) if i % 2 == 0 else
                          frame(2 * i + 1, 0x05, 0x100, len(route).to_bytes(3, "big") + route + data))
        await ws.send(frame(2 * len(names) + 1, 0x04, 0, b""))   # REQUEST_RESPONSE: answered after the above
        print("answered", (await ws.recv())[6:].decode())   # PAYLOAD frame: 6 header bytes, then data
asyncio.run(main())
