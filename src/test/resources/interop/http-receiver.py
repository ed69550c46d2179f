import os, http.server
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):                                      # one POST body = one message
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open("received/%05d" % len(os.listdir("received")), "wb").write(body)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
server = http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Receiver)
for _ in range(int(os.environ["COUNT"])):
    server.handle_request()
