import os, zmq
s = zmq.Context().socket(zmq.SUB)
s.setsockopt(zmq.SUBSCRIBE, b"")                            # every topic
s.connect("tcp://127.0.0.1:" + os.environ["PORT"])
n = 0
while n < int(os.environ["COUNT"]):
    topic, payload = s.recv_multipart()                     # pub sink with plain=true: [topic (= key), payload]
    if topic == b"warmup":                                  # PUB drops what it sends before a subscriber is
        open("joined", "w").close()                         # connected: the sender warms up until this file exists
    else:
        open("received/%05d" % n, "wb").write(payload); n += 1
