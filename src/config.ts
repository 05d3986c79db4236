import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import path from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { SOURCE_CONFIG } from './ingest/sources/config.js';

/** The project root (one level above src/), so defaults work from any cwd. */
/** The default embedding model: shipped packed in assets/models, unpacked by npm install. */
export const DEFAULT_MODEL = 'paperfeed-arxiv-100d';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const validCron = (pattern: string) => {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
};

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, 'data')),
  /** PostgreSQL instead of the SQLite file in DATA_DIR (which then holds only this process's index cache). */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a postgres:// or postgresql:// URL').optional(),
  /** Admin bearer token. When unset, one is generated and kept in DATA_DIR/admin-token. */
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** A model folder name under MODELS_DIR, hub-style (e.g. "Xenova/all-MiniLM-L6-v2"). */
  EMBED_MODEL: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/, 'EMBED_MODEL must look like "name" or "org/name"')
    .refine((s) => !s.split('/').some((part) => part === '.' || part === '..'), 'EMBED_MODEL may not contain . or .. segments')
    // The domain-adapted static model (EVAL.md); its base glove-sif-100d is built from an npm package.
    .default(DEFAULT_MODEL),
  MODELS_DIR: z.string().min(1).default(path.join(PROJECT_ROOT, 'models')),
  /** Let transformers.js download a missing model from the hub (off: this tool runs offline). */
  ALLOW_REMOTE_MODELS: bool.default(false),
  /** ONNX weights to load: fp32 → onnx/model.onnx, q8 → onnx/model_quantized.onnx, … */
  EMBED_DTYPE: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('fp32'),
  EMBED_POOLING: z.enum(['mean', 'cls']).default('mean'),
  EMBED_BATCH_SIZE: z.coerce.number().int().min(1).max(1024).default(32),
  /** Papers embedded and committed per transaction during ingest. */
  INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(10000).default(256),
  // Measured on the 121k corpus (BENCHMARKS.md): recall@10 0.993 for new-paper queries at 0.5 ms median;
  // efConstruction 100 builds 1.5× faster than 200 for 0.002 less recall.
  HNSW_M: z.coerce.number().int().min(4).max(128).default(16),
  HNSW_EF_CONSTRUCTION: z.coerce.number().int().min(10).max(2000).default(100),
  HNSW_EF_SEARCH: z.coerce.number().int().min(10).max(5000).default(200),
  /** Ingest the bundled sample when the store is empty at start. */
  SEED_ON_EMPTY: bool.default(true),
  /** Largest request body accepted, in bytes (413 beyond). */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Requests per minute per token (or per address without one); 0 switches the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** POST /v1/embed: texts per call and characters per text. */
  EMBED_MAX_TEXTS: z.coerce.number().int().min(1).default(256),
  EMBED_MAX_TEXT_CHARS: z.coerce.number().int().min(1).default(20_000),
  /** POST /v1/recommend: ids per call (positive + negative). */
  RECOMMEND_MAX_IDS: z.coerce.number().int().min(1).default(500),
  /** POST /v1/papers: papers per call. */
  PAPERS_MAX_PER_REQUEST: z.coerce.number().int().min(1).default(5000),
  /** How often the server picks up papers written by other processes (e.g. the ingest CLI), in ms. */
  INDEX_SYNC_MS: z.coerce.number().int().min(100).default(5000),
  /** Absolute base URL for every link the service hands out (Atom, feed-key URLs); default http://HOST:PORT. */
  PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s?#]+$/, 'PUBLIC_URL must be an absolute http(s) URL without query or fragment').optional(),
  /** Origins whose web apps may call the API from a browser (CORS), comma-separated; empty: none. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter((o) => o.length > 0))
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^\s/?#]+)$/, 'CORS_ORIGINS: each entry must be an origin such as https://app.example.org, or *'))),
  /** Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client address; empty: none. */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(z.string().refine((a) => isIP(a) !== 0, 'TRUST_PROXY: each entry must be an IP address such as 127.0.0.1'))),
  /** text: `<time> <message>` lines; json: one JSON object per line, and one per request with its id. */
  LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  /** Failed logins (401 for a token or feed key that was sent) per client address per minute; past it 429. 0 = off. */
  LOGIN_FAILURES_PER_MINUTE: z.coerce.number().int().min(0).default(20),
  ...SOURCE_CONFIG,
  /** Digests: SMTP server (smtp://user:pass@host:587, smtps://…); unset switches mail off. */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must be an smtp:// or smtps:// URL' }).optional(),
  /** Digests: the From address, `Name <addr@host>` or `addr@host` (one line). */
  MAIL_FROM: z.string().max(200).regex(/^[^\r\n]*$/, 'MAIL_FROM must be one line').default('paperfeed <paperfeed@localhost>'),
  /** Digests: a croner pattern for the due-digest check, or "off" (then only `npm run digest -- --send-now` sends). */
  DIGEST_SCHEDULE: z
    .string()
    .min(1)
    .refine((v) => v === 'off' || validCron(v), 'DIGEST_SCHEDULE must be a cron pattern (e.g. "*/5 * * * *") or "off"')
    .default('*/5 * * * *'),
  /** Digests: live subscriptions per address, and confirmation or manage mails per address per hour. */
  DIGEST_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(5),
  DIGEST_CONFIRM_MAILS_PER_HOUR: z.coerce.number().int().min(1).default(3),
}).superRefine((c, ctx) => {
  // A generated token would live on one replica's disk; every replica must accept the same one.
  if (c.DATABASE_URL && !c.ADMIN_TOKEN) ctx.addIssue({ code: 'custom', path: ['ADMIN_TOKEN'], message: 'ADMIN_TOKEN is required when DATABASE_URL is set' });
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parse the environment once; a bad value stops the process with the variable's name and the reason. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(ConfigSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = ConfigSchema.safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}
