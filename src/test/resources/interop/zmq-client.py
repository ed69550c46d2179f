import os, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.connect("tcp://127.0.0.1:" + os.environ["PORT"])
for name in sorted(os.listdir("messages")):                 # one file = one single-frame message
    s.send(open("messages/" + name, "rb").read())
s.close(linger=10000)
ctx.term()                # waits (at most 10 s) until everything left; exiting without it may drop messages
