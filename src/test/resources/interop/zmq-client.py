import os, zmq
s = zmq.Context().socket(zmq.PUSH)
s.connect("tcp://127.0.0.1:" + os.environ["PORT"])
for name in sorted(os.listdir("messages")):                 # one file = one single-frame message
    s.send(open("messages/" + name, "rb").read())
s.close(linger=10000)                                       # wait (at most 10 s) until everything left
