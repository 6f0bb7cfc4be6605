// Sends one TCP SYN (connect attempt) or one UDP datagram per probe, from a given source
// address and port, each with a short timeout. Run inside the client network namespace.
import net from 'node:net';
import dgram from 'node:dgram';

const probes = JSON.parse(process.argv[2]);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

for (const p of probes) {
  if (p.proto === 'tcp') {
    await new Promise((resolve) => {
      const s = net.connect({ host: p.dst, port: p.dport, localAddress: p.src, localPort: p.sport, family: p.family });
      const done = () => {
        s.destroy();
        resolve();
      };
      s.on('connect', done);
      s.on('error', done);
      setTimeout(done, 250);
    });
  } else {
    await new Promise((resolve) => {
      const s = dgram.createSocket(p.family === 6 ? 'udp6' : 'udp4');
      s.on('error', () => {
        s.close();
        resolve();
      });
      s.bind(p.sport, p.src, () => {
        s.send(Buffer.from('nsl-lint probe'), p.dport, p.dst, () => {
          setTimeout(() => {
            s.close();
            resolve();
          }, 30);
        });
      });
    });
  }
  await wait(10);
}
