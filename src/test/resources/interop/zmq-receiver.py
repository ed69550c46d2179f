import os, zmq
s = zmq.Context().socket(zmq.PULL)
s.bind("tcp://127.0.0.1:" + os.environ["PORT"])
for n in range(int(os.environ["COUNT"])):                   # sink with plain=true: one frame = the payload
    open("received/%05d" % n, "wb").write(s.recv())
