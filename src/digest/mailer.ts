import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable per digest (subscription + period), so a resend after a crash is recognisably the same message. */
  messageId?: string;
  headers?: Record<string, string>;
}

export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };

export interface Mailer {
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): void;
}

/**
 * SMTP's answer classes: 5xx is permanent (bad address, refused), 4xx temporary (greylisting, full mailbox); a
 * failure with no SMTP code (connection refused, timeout) is temporary too.
 */
export function classify(err: unknown): SendResult {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const error = `${code ? `${code} ` : ''}${(e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500)}`;
  return { ok: false, permanent: code !== undefined && code >= 500 && code < 600, error };
}

/** Mail through nodemailer's SMTP transport, configured by SMTP_URL (smtp://user:pass@host:587, smtps://…). */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(m) {
      try {
        await transport.sendMail({
          from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          headers: m.headers,
        });
        return { ok: true };
      } catch (err) {
        return classify(err);
      }
    },
    close: () => transport.close(),
  };
}

/** The full RFC 5322 message nodemailer would send (for `--dry-run`), built without any connection. */
export async function composeEml(from: string, m: OutgoingMail): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, headers: m.headers });
  return info.message as Buffer;
}
