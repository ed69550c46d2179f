import asyncio, os, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/ws" % os.environ["PORT"], max_size=None) as ws:
        for name in sorted(os.listdir("messages")):         # one file = one binary message
            await ws.send(open("messages/" + name, "rb").read())
asyncio.run(main())
