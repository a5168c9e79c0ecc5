// A small keep-alive HTTPS load generator for bench/run.sh's mutual-TLS rows: wrk cannot present a client
// certificate, so both rows of the pair (a secret in Basic over TLS, and tls_client_auth with the client's
// certificate, RFC 8705 §2.1) are driven by this same tool over the same TLS, for a fair ratio.
//   node bench/mtls_load.mjs URL CONCURRENCY SECONDS CA_PEM BODY [basic=B64] [cert=PEM key=PEM]
// prints one line: req/s <TAB> p50 <TAB> p99 <TAB> errors <TAB> requests (latencies as wrk writes them).
import https from 'node:https';
import { readFileSync } from 'node:fs';

const [url, concurrency, seconds, caFile, body, ...options] = process.argv.slice(2);
const opt = Object.fromEntries(options.map((o) => o.split(/=(.*)/s).slice(0, 2)));
const c = Number(concurrency);
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: c,
  ca: readFileSync(caFile),
  ...(opt.cert ? { cert: readFileSync(opt.cert), key: readFileSync(opt.key) } : {}),
});
const headers = {
  'content-type': 'application/x-www-form-urlencoded',
  'content-length': Buffer.byteLength(body),
  ...(opt.basic ? { authorization: `Basic ${opt.basic}` } : {}),
};
const latencies = [];
let errors = 0;
let failed = 0; // connections that gave no answer
const end = Date.now() + Number(seconds) * 1000;

function one() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const request = https.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (response.statusCode !== 200) errors++;
        resolve();
      });
    });
    request.on('error', () => { errors++; failed++; resolve(); });
    request.end(body);
  });
}

async function loop() {
  while (Date.now() < end) await one();
}

const started = Date.now();
await Promise.all(Array.from({ length: c }, loop));
const elapsed = (Date.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) => (latencies.length ? `${latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2)}ms` : '-');
const requests = latencies.length + failed;
console.log([Math.round(requests / elapsed), at(0.5), at(0.99), errors, requests].join('\t'));
