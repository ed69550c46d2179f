import asyncio, os, websockets
async def main():
    done = asyncio.get_running_loop().create_future()
    async def receive(ws, path=None):                       # one binary message = one message
        async for msg in ws:
            open("received/%05d" % len(os.listdir("received")), "wb").write(msg)
        done.set_result(None)                               # the sender closed normally
    async with websockets.serve(receive, "127.0.0.1", int(os.environ["PORT"]), max_size=None):
        await done
asyncio.run(main())
