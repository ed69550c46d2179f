# One POST per message; the body is the payload. Sluice answers 202 Accepted.
for f in messages/*; do
  curl -sSf --data-binary @"$f" -H 'Content-Type: application/octet-stream' http://127.0.0.1:$PORT/ingest || exit 1
done
