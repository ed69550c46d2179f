# Stubs from the repo's proto: python3 -m grpc_tools.protoc -Isrc/main/proto --python_out=. --grpc_python_out=. sluice.proto
import os, threading, concurrent.futures, grpc, sluice_pb2, sluice_pb2_grpc
done = threading.Event()
class Ingest(sluice_pb2_grpc.IngestServicer):
    def SendBatches(self, batches, context):               # Sluice's gRPC sink: one SendBatches call
        return self.SendStream((e for b in batches for e in b.envelopes), context)
    def SendStream(self, envelopes, context):              # the same sink with batch: {maxMessages: 1}
        n = 0
        for e in envelopes:
            open("received/%05d" % n, "wb").write(e.payload); n += 1
        done.set()
        return sluice_pb2.Ack(count=n)
server = grpc.server(concurrent.futures.ThreadPoolExecutor(4))
sluice_pb2_grpc.add_IngestServicer_to_server(Ingest(), server)
server.add_insecure_port("127.0.0.1:" + os.environ["PORT"])
server.start(); done.wait(); server.stop(5).wait()
