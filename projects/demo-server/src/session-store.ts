import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** A refresh token as the server keeps it: only its hash, in a family that rotation extends. */
interface RefreshTokenRow {
  id: number;
  family_id: string;
  user_id: number;
  used_at: number | null;
  revoked_at: number | null;
  expires_at: number;
}

/** What presenting a refresh token led to. */
export type RotationResult =
  | { outcome: 'rotated'; userId: number; username: string; refreshToken: string }
  | { outcome: 'unknown' | 'revoked' | 'expired' }
  | { outcome: 'reused'; familyId: string };

const REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * Users and refresh-token families in SQLite, so sessions survive a server restart.
 *
 * Refresh tokens rotate: each use marks the token used and issues the next one in the same family.
 * Presenting a used token again is reuse, as after theft: the whole family is revoked (OAuth 2.0
 * Security BCP, refresh token rotation).
 */
export class SessionStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS refresh_tokens (
        id INTEGER PRIMARY KEY, family_id TEXT NOT NULL, user_id INTEGER NOT NULL,
        token_hash TEXT UNIQUE NOT NULL, used_at INTEGER, revoked_at INTEGER, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /** The HMAC key for access tokens, created once and kept, so tokens survive a restart too. */
  signingKey(): Uint8Array {
    const row = this.db.prepare(`SELECT value FROM settings WHERE key = 'signing-key'`).get() as
      { value: string } | undefined;
    if (row) {
      return Buffer.from(row.value, 'base64');
    }
    const key = randomBytes(32);
    this.db
      .prepare(`INSERT INTO settings (key, value) VALUES ('signing-key', ?)`)
      .run(key.toString('base64'));
    return key;
  }

  /** Adds a user unless one of that name exists. */
  seedUser(username: string, password: string): void {
    const salt = randomBytes(16).toString('base64');
    this.db
      .prepare(`INSERT OR IGNORE INTO users (username, salt, hash) VALUES (?, ?, ?)`)
      .run(username, salt, hashPassword(password, salt));
  }

  /** The user's id when the password is right, else `null`. */
  verifyPassword(username: string, password: string): number | null {
    const user = this.db
      .prepare(`SELECT id, salt, hash FROM users WHERE username = ?`)
      .get(username) as { id: number; salt: string; hash: string } | undefined;
    if (!user) {
      return null;
    }
    const expected = Buffer.from(user.hash, 'base64');
    const actual = Buffer.from(hashPassword(password, user.salt), 'base64');
    return timingSafeEqual(expected, actual) ? user.id : null;
  }

  username(userId: number): string {
    return (
      this.db.prepare(`SELECT username FROM users WHERE id = ?`).get(userId) as { username: string }
    ).username;
  }

  userId(username: string): number | null {
    const row = this.db.prepare(`SELECT id FROM users WHERE username = ?`).get(username) as
      { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Starts a new family (a login) and returns its first refresh token. */
  startFamily(userId: number): string {
    return this.issue(userId, randomBytes(12).toString('base64url'));
  }

  /** Uses a refresh token: rotates it, or detects reuse and revokes its family. */
  rotate(refreshToken: string): RotationResult {
    const row = this.db
      .prepare(
        `SELECT id, family_id, user_id, used_at, revoked_at, expires_at FROM refresh_tokens WHERE token_hash = ?`,
      )
      .get(sha256(refreshToken)) as RefreshTokenRow | undefined;
    if (!row) {
      return { outcome: 'unknown' };
    }
    if (row.revoked_at !== null) {
      return { outcome: 'revoked' };
    }
    if (row.used_at !== null) {
      this.revokeFamily(row.family_id);
      return { outcome: 'reused', familyId: row.family_id };
    }
    if (row.expires_at < Date.now()) {
      return { outcome: 'expired' };
    }
    this.db.prepare(`UPDATE refresh_tokens SET used_at = ? WHERE id = ?`).run(Date.now(), row.id);
    return {
      outcome: 'rotated',
      userId: row.user_id,
      username: this.username(row.user_id),
      refreshToken: this.issue(row.user_id, row.family_id),
    };
  }

  /** Revokes the family of a refresh token (logout). */
  revokeByToken(refreshToken: string): void {
    const row = this.db
      .prepare(`SELECT family_id FROM refresh_tokens WHERE token_hash = ?`)
      .get(sha256(refreshToken)) as { family_id: string } | undefined;
    if (row) {
      this.revokeFamily(row.family_id);
    }
  }

  /** Revokes every session of a user. */
  revokeUser(userId: number): void {
    this.db
      .prepare(`UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`)
      .run(Date.now(), userId);
  }

  close(): void {
    this.db.close();
  }

  private issue(userId: number, familyId: string): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES (?, ?, ?, ?)`,
      )
      .run(familyId, userId, sha256(token), Date.now() + REFRESH_TOKEN_LIFETIME_MS);
    return token;
  }

  private revokeFamily(familyId: string): void {
    this.db
      .prepare(
        `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
      )
      .run(Date.now(), familyId);
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}

function hashPassword(password: string, salt: string): string {
  return scryptSync(password, salt, 32).toString('base64');
}
