import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(os.environ["PORT"])))
for n in range(int(os.environ["COUNT"])):                   # one datagram = one message
    open("received/%05d" % n, "wb").write(s.recv(65507))
