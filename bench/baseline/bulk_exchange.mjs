// bench/baseline/bulk_exchange.mjs - the bulk exchange the raw Node baseline
// clients run once connected (plain net and tls alike): write TOTAL bytes in
// CHUNK writes, waiting for 'drain' when the socket asks, and read them all
// back. Prints "go" at the start and "done" when the last byte is back.
export function bulkExchange(s, total, chunk) {
  const out = Buffer.alloc(chunk, 'y');
  console.log('go');
  let sent = 0;
  let got = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk, total - sent);
      sent += n;
      if (!s.write(n === chunk ? out : out.subarray(0, n))) { s.once('drain', pump); return; }
    }
  };
  s.on('data', (d) => { got += d.length; if (got >= total) { console.log('done'); s.end(); } });
  pump();
}
