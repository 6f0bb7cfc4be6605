// Sends one UDP datagram per probe (read as JSON from standard input), from the probe's
// source address and port, inside the client network namespace of a kernel lab
// (test/host/kernel-lab.ts). The lab's nft table rewrites the protocol on the way out; for
// TCP the payload is the rest of a SYN header (ack, data offset 5, flags SYN, window).
import dgram from 'node:dgram';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const probes = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const SYN_REST = [0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];

for (const p of probes) {
  const payload = Buffer.alloc(SYN_REST.length + p.extra);
  if (p.syn) Buffer.from(SYN_REST).copy(payload);
  await new Promise((resolve, reject) => {
    const s = dgram.createSocket(p.family === 6 ? 'udp6' : 'udp4');
    s.on('error', (err) => {
      s.close();
      reject(new Error(`${p.src}:${p.sport} -> ${p.dst}:${p.dport}: ${err.message}`));
    });
    s.bind(p.sport, p.src, () => {
      s.send(payload, p.dport, p.dst, (err) => {
        s.close();
        if (err) reject(err);
        else resolve();
      });
    });
  });
}
