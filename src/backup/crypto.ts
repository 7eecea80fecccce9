/**
 * Backup encryption: AES-256-GCM per file, with a random 96-bit IV and the file's name and the
 * backup's id as associated data (a file cannot be swapped for another, even one of another
 * backup with the same key). The key comes from an environment variable only: 32 bytes in base64,
 * or a passphrase stretched with scrypt (salt and cost kept in the manifest). Two subkeys are
 * derived with HKDF: one encrypts files, one authenticates the manifest (HMAC-SHA256), so an
 * edited manifest (row counts, checksums, table list) is refused as surely as an edited file.
 *
 * File layout: "DDBE1\n" | IV (12 bytes) | ciphertext | GCM tag (16 bytes).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import fs from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { DreamdbError, UsageError } from '../errors.js';

export const MAGIC = Buffer.from('DDBE1\n');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + IV_BYTES;

export type KdfSpec = { type: 'raw' } | { type: 'scrypt'; salt: string; N: number; r: number; p: number };

export interface EncryptionSpec {
  algorithm: 'aes-256-gcm';
  kdf: KdfSpec;
  /** HMAC of a fixed label: tells a wrong key from a damaged file before anything is read. */
  keyCheck: string;
}

export interface BackupKeys {
  spec: EncryptionSpec;
  fileKey: Buffer;
  macKey: Buffer;
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

/** 44 characters of base64 that decode to exactly 32 bytes: a raw key. Anything else: a passphrase. */
function rawKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : undefined;
}

function readSecret(env: NodeJS.ProcessEnv, keyEnv: string, why: string): string {
  const value = env[keyEnv];
  if (!value) {
    throw new UsageError(`${why}, but ${keyEnv} is not set.`, {
      hint: `export ${keyEnv}=$(openssl rand -base64 32) (keep it in your secret store: without it the backup cannot be read), or a passphrase of 16+ characters.`,
    });
  }
  if (!rawKey(value) && value.length < 16) {
    throw new UsageError(`${keyEnv} is too short to be a passphrase (${value.length} characters).`, {
      hint: 'Use 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least 16 characters.',
    });
  }
  return value;
}

function derive(master: Buffer, backupId: string, spec: Omit<EncryptionSpec, 'keyCheck'>): BackupKeys {
  const sub = (label: string) =>
    Buffer.from(hkdfSync('sha256', master, Buffer.from(backupId), Buffer.from(`dreamdb-backup ${label}`), 32));
  const fileKey = sub('file encryption');
  const macKey = sub('manifest authentication');
  const keyCheck = createHmac('sha256', sub('key check')).update('dreamdb-backup key check').digest('hex').slice(0, 32);
  return { spec: { ...spec, keyCheck }, fileKey, macKey };
}

/** Keys for a new backup, from the environment. */
export function newBackupKeys(env: NodeJS.ProcessEnv, keyEnv: string, backupId: string): BackupKeys {
  const secret = readSecret(env, keyEnv, '--encrypt needs a key');
  const raw = rawKey(secret);
  if (raw) return derive(raw, backupId, { algorithm: 'aes-256-gcm', kdf: { type: 'raw' } });
  const salt = randomBytes(16).toString('base64');
  const kdf: KdfSpec = { type: 'scrypt', salt, ...SCRYPT };
  return derive(stretch(secret, kdf), backupId, { algorithm: 'aes-256-gcm', kdf });
}

/** Keys to read an encrypted backup; a wrong key is refused here, before any file is read. */
export function backupKeysFor(
  env: NodeJS.ProcessEnv,
  keyEnv: string,
  backupId: string,
  spec: EncryptionSpec,
): BackupKeys {
  const secret = readSecret(env, keyEnv, 'This backup is encrypted');
  let master: Buffer;
  if (spec.kdf.type === 'raw') {
    const raw = rawKey(secret);
    if (!raw) {
      throw new UsageError(
        `${keyEnv} is not the key of this backup: it was encrypted with a 32-byte base64 key, and ${keyEnv} holds something else.`,
        {
          hint: `Set ${keyEnv} to the base64 key used when the backup was made.`,
        },
      );
    }
    master = raw;
  } else {
    master = stretch(secret, spec.kdf);
  }
  const keys = derive(master, backupId, { algorithm: spec.algorithm, kdf: spec.kdf });
  const a = Buffer.from(keys.spec.keyCheck, 'hex');
  const b = Buffer.from(spec.keyCheck, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new UsageError(`Wrong key: ${keyEnv} does not decrypt this backup.`, {
      hint: `Set ${keyEnv} to the key (or passphrase) used when the backup was made.`,
    });
  }
  return keys;
}

function stretch(passphrase: string, kdf: Extract<KdfSpec, { type: 'scrypt' }>): Buffer {
  if (kdf.N > 2 ** 20 || kdf.r > 32 || kdf.p > 16)
    throw new DreamdbError('The manifest asks for an unreasonable scrypt cost; refusing.');
  return scryptSync(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64'), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r + 1024 * 1024,
  });
}

function aad(backupId: string, file: string): Buffer {
  return Buffer.from(`dreamdb-backup:${backupId}:${file}`);
}

/** A stream that writes the header, then ciphertext, then the tag. */
export function encryptStream(keys: BackupKeys, backupId: string, file: string): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.fileKey, iv);
  cipher.setAAD(aad(backupId, file));
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([MAGIC, iv]));
      }
      cb(null, cipher.update(chunk));
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(Buffer.concat([MAGIC, iv]));
      const last = cipher.final();
      if (last.length) this.push(last);
      cb(null, cipher.getAuthTag());
    },
  });
}

/**
 * The IV and tag of an encrypted file (read from its two ends), so its middle can be streamed
 * through a decipher that checks the tag at the end.
 */
export async function readEnvelope(file: string, shown: string): Promise<{ iv: Buffer; tag: Buffer; size: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < HEADER_BYTES + TAG_BYTES) throw tampered(shown, 'it is shorter than an encrypted file can be');
    const head = Buffer.alloc(HEADER_BYTES);
    await handle.read(head, 0, HEADER_BYTES, 0);
    if (!head.subarray(0, MAGIC.length).equals(MAGIC))
      throw tampered(shown, 'it does not start like a dreamdb encrypted file');
    const tag = Buffer.alloc(TAG_BYTES);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    return { iv: head.subarray(MAGIC.length), tag, size };
  } finally {
    await handle.close();
  }
}

/** Deciphers the bytes between header and tag; throws a clear error when the tag does not match. */
export function decryptStream(
  keys: BackupKeys,
  backupId: string,
  file: string,
  envelope: { iv: Buffer; tag: Buffer },
  shown: string,
): Transform {
  const decipher = createDecipheriv('aes-256-gcm', keys.fileKey, envelope.iv);
  decipher.setAAD(aad(backupId, file));
  decipher.setAuthTag(envelope.tag);
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      cb(null, decipher.update(chunk));
    },
    flush(cb: TransformCallback) {
      try {
        const last = decipher.final();
        cb(null, last.length ? last : undefined);
      } catch {
        cb(
          tampered(
            shown,
            'its authentication tag does not match (the file was altered, truncated, or belongs elsewhere)',
          ),
        );
      }
    },
  });
}

export function tampered(shown: string, why: string): DreamdbError {
  return new DreamdbError(`Backup file ${shown} failed authentication: ${why}.`, {
    hint: 'Do not restore this backup; take the previous good one (`dreamdb backup verify <dir>` checks a backup without restoring it).',
  });
}

export function macOf(keys: BackupKeys, canonical: string): string {
  return createHmac('sha256', keys.macKey).update(canonical).digest('hex');
}

export function macMatches(keys: BackupKeys, canonical: string, mac: string): boolean {
  const a = Buffer.from(macOf(keys, canonical), 'hex');
  const b = Buffer.from(mac, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const ENCRYPTION_OVERHEAD = HEADER_BYTES + TAG_BYTES;
