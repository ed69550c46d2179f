# One file = one datagram = one message (-b: read up to 65507 bytes at once, UDP's maximum).
for f in messages/*; do
  socat -u -b 65507 FILE:"$f" UDP:127.0.0.1:$PORT
done
