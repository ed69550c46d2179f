import os, time, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PUB)
s.bind("tcp://127.0.0.1:" + os.environ["PORT"])            # a zmq-sub source connects (its default)
while not os.path.exists("joined"):                         # PUB drops what it sends before a subscriber is
    s.send_multipart([b"warmup", b""]); time.sleep(0.01)    # connected: warm up until the receiver says so
for name in sorted(os.listdir("messages")):                 # [topic, payload]: the topic becomes the key
    s.send_multipart([b"data", open("messages/" + name, "rb").read()])
s.close(linger=10000)
ctx.term()                                                  # waits (at most 10 s) until everything left
