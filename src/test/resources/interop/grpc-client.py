# Stubs from the repo's proto: python3 -m grpc_tools.protoc -Isrc/main/proto --python_out=. --grpc_python_out=. sluice.proto
import os, grpc, sluice_pb2, sluice_pb2_grpc
stub = sluice_pb2_grpc.IngestStub(grpc.insecure_channel("127.0.0.1:" + os.environ["PORT"]))
envelopes = (sluice_pb2.Envelope(payload=open("messages/" + name, "rb").read())
             for name in sorted(os.listdir("messages")))    # one file = one Envelope = one message
print("acknowledged", stub.SendStream(envelopes).count)
