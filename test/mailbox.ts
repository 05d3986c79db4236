// A real SMTP server (the npm smtp-server, nodemailer's own server implementation) on a free port, for the digest
// tests: it keeps every accepted message parsed back with mailparser, and a policy can refuse or stall some.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** What the server answers to a message's DATA: accept, an SMTP error code, or never answer (until the test says). */
export type Verdict = 'accept' | 'hang' | { code: number; message: string };

export interface Delivery {
  to: string[];
  mail: ParsedMail;
  raw: string;
}

export interface Mailbox {
  url: string;
  delivered: Delivery[];
  /** Every DATA the server saw, accepted or not, by recipient. */
  attempts: { to: string[]; verdict: Verdict }[];
  policy: (to: string[], attempt: number) => Verdict;
  /** Resolves when a DATA was answered with 'hang' (the client is waiting for our answer). */
  onHang: Promise<void>;
  to(address: string): Delivery[];
  /** Polls until `pred` holds or the deadline passes (then throws, saying what was there). */
  waitFor(pred: () => boolean, what: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  let hung: () => void = () => {};
  const box: Mailbox = {
    url: '',
    delivered: [],
    attempts: [],
    policy: () => 'accept',
    onHang: new Promise<void>((r) => (hung = r)),
    to: (address) => box.delivered.filter((d) => d.to.includes(address)),
    async waitFor(pred, what, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; delivered: ${box.delivered.map((d) => d.to.join(',')).join(' ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const verdict = box.policy(to, box.attempts.filter((a) => a.to.join() === to.join()).length);
        box.attempts.push({ to, verdict });
        if (verdict === 'hang') return hung();
        if (verdict !== 'accept') {
          const err = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        box.delivered.push({ to, raw, mail: await simpleParser(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return box;
}

/** The one absolute link under `base` in a mail's text part. */
export function linksIn(text: string, base: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]).filter((u) => u.startsWith(base));
}
