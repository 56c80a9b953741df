// bench/baseline/node_http_server.mjs - the baseline for the HTTP rows of
// `make bench`: node:http answering every request as examples/http_server.lyng
// does (a short text body, keep-alive). Prints "http on 127.0.0.1:PORT".
import http from 'node:http';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = `Hello from Lyng: ${req.url}\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`http on 127.0.0.1:${server.address().port}`);
});
