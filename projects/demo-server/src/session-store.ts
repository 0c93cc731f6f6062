import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { PasswordRecord } from './passwords.ts';

/** How long sessions and their tokens live. */
export interface SessionLifetimes {
  /** How long one refresh token stays usable if it is never rotated. */
  refreshTokenTtlSeconds: number;
  /** Absolute lifetime of a family (a login): no rotation extends it. */
  familyLifetimeSeconds: number;
  /** How long a rotated token may be presented again and get the same successor (0: never). */
  rotationGraceSeconds: number;
}

/** A session (refresh-token family) as access-token checks need it. */
export interface FamilyState {
  userId: number;
  username: string;
  accessGeneration: number;
}

/** What presenting a refresh token led to. */
export type RotationResult =
  | {
      outcome: 'rotated' | 'grace';
      familyId: string;
      userId: number;
      username: string;
      accessGeneration: number;
      /** The thumbprint of the DPoP key the family is bound to, or `null`. */
      dpopJkt: string | null;
      refreshToken: string;
    }
  | { outcome: 'unknown' | 'revoked' | 'expired' }
  | { outcome: 'reused'; familyId: string };

interface TokenRow {
  family_id: string;
  used_at: number | null;
  expires_at: number;
  family_revoked_at: number | null;
  family_expires_at: number;
}

const SCHEMA_VERSION = 2;

/** Rows of families revoked or past their lifetime stay this long, so that reuse still reads "revoked". */
const DEAD_FAMILY_RETENTION_MS = 24 * 3600 * 1000;

/**
 * Users and refresh-token families in SQLite, so that sessions, revocations and the signing key
 * survive a server restart, and two server processes can share one database file.
 *
 * Refresh tokens rotate: each use marks the token used and issues its successor in the same family.
 * Presenting a used token again is reuse, as after theft, and revokes the whole family (OAuth 2.0
 * Security BCP), except within `rotationGraceSeconds` of its rotation while its successor is still
 * unused: then the answer was most likely lost on the way to the client (a closed tab, a reload, a
 * client-side timeout), and the client gets the same successor again. The successor is derived from
 * the token with a server-side HMAC key, so the database never holds a usable token.
 */
export class SessionStore {
  readonly #db: DatabaseSync;
  readonly #lifetimes: SessionLifetimes;
  readonly #rotationKey: Buffer;

  constructor(path: string, lifetimes: SessionLifetimes) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.#lifetimes = lifetimes;
    this.#db = new DatabaseSync(path);
    // WAL with synchronous=NORMAL: a commit does not wait for fsync (a power cut may lose the last
    // rotations, never corrupt the file), which keeps the synchronous driver off the disk.
    this.#db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;`,
    );
    const { user_version: version } = this.#db.prepare('PRAGMA user_version').get() as {
      user_version: number;
    };
    if (version < SCHEMA_VERSION) {
      // Refresh tokens of the first schema had no families: those sessions end; users stay.
      this.#db.exec(
        `DROP TABLE IF EXISTS refresh_tokens; PRAGMA user_version = ${SCHEMA_VERSION};`,
      );
    }
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, salt TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS families (
        id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, revoked_at INTEGER, access_generation INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS refresh_tokens (
        id INTEGER PRIMARY KEY, family_id TEXT NOT NULL REFERENCES families(id) ON DELETE CASCADE,
        token_hash TEXT UNIQUE NOT NULL, used_at INTEGER, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id);
      CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      PRAGMA foreign_keys = ON;
    `);
    // Added with DPoP (DEMO_DPOP=on): a database of an older version gets the column, unbound.
    const columns = this.#db.prepare(`PRAGMA table_info(families)`).all() as { name: string }[];
    if (!columns.some((column) => column.name === 'dpop_jkt')) {
      this.#db.exec(`ALTER TABLE families ADD COLUMN dpop_jkt TEXT`);
    }
    this.#rotationKey = this.#secret('rotation-key');
  }

  /** The HMAC key for access tokens, created once and kept, so that tokens survive a restart too. */
  signingKey(): Uint8Array {
    return this.#secret('signing-key');
  }

  /** Adds a user unless one of that name exists. */
  addUser(username: string, password: PasswordRecord): void {
    this.#db
      .prepare(`INSERT OR IGNORE INTO users (username, salt, hash) VALUES (?, ?, ?)`)
      .run(username, password.salt, password.hash);
  }

  hasUser(username: string): boolean {
    return this.#db.prepare(`SELECT 1 FROM users WHERE username = ?`).get(username) !== undefined;
  }

  /** The stored password of a user, or `null` for an unknown name. */
  user(username: string): ({ id: number } & PasswordRecord) | null {
    const row = this.#db
      .prepare(`SELECT id, salt, hash FROM users WHERE username = ?`)
      .get(username) as { id: number; salt: string; hash: string } | undefined;
    return row ? { id: row.id, salt: row.salt, hash: row.hash } : null;
  }

  /**
   * Starts a new family (a login); returns its id and first refresh token.
   *
   * @param dpopJkt - The thumbprint of the DPoP key the login was proven with: the family's refresh
   *   tokens are bound to it for good. `null` without DPoP.
   */
  startFamily(
    userId: number,
    dpopJkt: string | null = null,
  ): { familyId: string; refreshToken: string } {
    const now = Date.now();
    const familyId = randomUUID();
    const familyExpiresAt = now + this.#lifetimes.familyLifetimeSeconds * 1000;
    const refreshToken = randomBytes(32).toString('base64url');
    this.#transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO families (id, user_id, created_at, expires_at, dpop_jkt) VALUES (?, ?, ?, ?, ?)`,
        )
        .run(familyId, userId, now, familyExpiresAt, dpopJkt);
      this.#insertToken(familyId, refreshToken, this.#tokenExpiry(now, familyExpiresAt));
    });
    return { familyId, refreshToken };
  }

  /**
   * Uses a refresh token: rotates it, answers a lost answer's retry within the grace window, or
   * detects reuse and revokes the family.
   *
   * The rotation is one conditional UPDATE (`used_at IS NULL`) in an immediate transaction with the
   * insertion of the successor, so two requests or two processes can never both rotate one token:
   * the loser sees the token used, and gets the grace answer or a reuse verdict.
   */
  rotate(refreshToken: string): RotationResult {
    const now = Date.now();
    const tokenHash = sha256(refreshToken);
    const successor = this.#successorOf(refreshToken);
    return this.#transaction((): RotationResult => {
      const rotated = this.#db
        .prepare(
          `UPDATE refresh_tokens SET used_at = ?
           WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
             AND family_id IN (SELECT id FROM families WHERE revoked_at IS NULL AND expires_at > ?)
           RETURNING family_id`,
        )
        .get(now, tokenHash, now, now) as { family_id: string } | undefined;
      if (rotated) {
        const { expiresAt } = this.#family(rotated.family_id);
        this.#insertToken(rotated.family_id, successor, this.#tokenExpiry(now, expiresAt));
        return {
          outcome: 'rotated',
          ...this.#familyAnswer(rotated.family_id),
          refreshToken: successor,
        };
      }
      const row = this.#db
        .prepare(
          `SELECT t.family_id, t.used_at, t.expires_at, f.revoked_at AS family_revoked_at,
                  f.expires_at AS family_expires_at
           FROM refresh_tokens t JOIN families f ON f.id = t.family_id WHERE t.token_hash = ?`,
        )
        .get(tokenHash) as TokenRow | undefined;
      if (!row) {
        return { outcome: 'unknown' };
      }
      if (row.family_revoked_at !== null) {
        return { outcome: 'revoked' };
      }
      if (row.used_at === null || row.family_expires_at <= now) {
        return { outcome: 'expired' };
      }
      if (this.#isWithinGrace(row.used_at, successor, now)) {
        return { outcome: 'grace', ...this.#familyAnswer(row.family_id), refreshToken: successor };
      }
      this.#revokeFamily(row.family_id, now);
      return { outcome: 'reused', familyId: row.family_id };
    });
  }

  /**
   * The DPoP key thumbprint the family of a refresh token is bound to: `{ dpopJkt: null }` for an
   * unbound family, `null` when the token is unknown.
   */
  bindingOf(refreshToken: string): { dpopJkt: string | null } | null {
    const row = this.#db
      .prepare(
        `SELECT f.dpop_jkt FROM refresh_tokens t JOIN families f ON f.id = t.family_id
         WHERE t.token_hash = ?`,
      )
      .get(sha256(refreshToken)) as { dpop_jkt: string | null } | undefined;
    return row ? { dpopJkt: row.dpop_jkt } : null;
  }

  /** The family of a refresh token, or `null` when it is unknown. */
  familyOfToken(refreshToken: string): string | null {
    const row = this.#db
      .prepare(`SELECT family_id FROM refresh_tokens WHERE token_hash = ?`)
      .get(sha256(refreshToken)) as { family_id: string } | undefined;
    return row?.family_id ?? null;
  }

  /** The live family's user and access generation, or `null` when revoked, expired or unknown. */
  liveFamily(familyId: string): FamilyState | null {
    const row = this.#db
      .prepare(
        `SELECT f.user_id, u.username, f.access_generation FROM families f
         JOIN users u ON u.id = f.user_id
         WHERE f.id = ? AND f.revoked_at IS NULL AND f.expires_at > ?`,
      )
      .get(familyId, Date.now()) as
      { user_id: number; username: string; access_generation: number } | undefined;
    return row
      ? { userId: row.user_id, username: row.username, accessGeneration: row.access_generation }
      : null;
  }

  /** Revokes a family: its refresh tokens and its access tokens stop working. */
  revokeFamily(familyId: string): void {
    this.#revokeFamily(familyId, Date.now());
  }

  /** Revokes every session of a user. */
  revokeUser(username: string): boolean {
    const result = this.#db
      .prepare(
        `UPDATE families SET revoked_at = ? WHERE revoked_at IS NULL
         AND user_id = (SELECT id FROM users WHERE username = ?)`,
      )
      .run(Date.now(), username);
    return Number(result.changes) > 0;
  }

  /**
   * Expires the access tokens of one family, or of every family, by bumping their generation. The
   * generation lives in the database, so expired tokens stay expired after a restart.
   */
  expireAccessTokens(familyId?: string): void {
    if (familyId === undefined) {
      this.#db.prepare(`UPDATE families SET access_generation = access_generation + 1`).run();
    } else {
      this.#db
        .prepare(`UPDATE families SET access_generation = access_generation + 1 WHERE id = ?`)
        .run(familyId);
    }
  }

  /**
   * Deletes what can no longer matter: refresh tokens past their expiry (used or not), and families
   * revoked or past their lifetime for longer than a day, with their tokens.
   *
   * @returns How many token rows were deleted.
   */
  prune(now = Date.now()): number {
    return this.#transaction(() => {
      const before = now - DEAD_FAMILY_RETENTION_MS;
      this.#db
        .prepare(`DELETE FROM families WHERE revoked_at < ? OR expires_at < ?`)
        .run(before, before);
      const tokens = this.#db.prepare(`DELETE FROM refresh_tokens WHERE expires_at < ?`).run(now);
      return Number(tokens.changes);
    });
  }

  /** Row counts, for tests and the load script. */
  counts(): { families: number; refreshTokens: number } {
    const count = (table: string) =>
      (this.#db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { families: count('families'), refreshTokens: count('refresh_tokens') };
  }

  close(): void {
    this.#db.close();
  }

  #isWithinGrace(usedAt: number, successor: string, now: number): boolean {
    const window = this.#lifetimes.rotationGraceSeconds * 1000;
    if (window === 0 || now - usedAt > window) {
      return false;
    }
    // Only the immediately previous token: once its successor has been used, the client evidently
    // got the answer, and presenting the old token again is reuse.
    const next = this.#db
      .prepare(`SELECT used_at FROM refresh_tokens WHERE token_hash = ?`)
      .get(sha256(successor)) as { used_at: number | null } | undefined;
    return next?.used_at === null;
  }

  #familyAnswer(familyId: string) {
    const family = this.#family(familyId);
    return {
      familyId,
      userId: family.userId,
      username: family.username,
      accessGeneration: family.accessGeneration,
      dpopJkt: family.dpopJkt,
    };
  }

  #family(familyId: string): FamilyState & { expiresAt: number; dpopJkt: string | null } {
    const row = this.#db
      .prepare(
        `SELECT f.user_id, u.username, f.access_generation, f.expires_at, f.dpop_jkt FROM families f
         JOIN users u ON u.id = f.user_id WHERE f.id = ?`,
      )
      .get(familyId) as {
      user_id: number;
      username: string;
      access_generation: number;
      expires_at: number;
      dpop_jkt: string | null;
    };
    return {
      userId: row.user_id,
      username: row.username,
      accessGeneration: row.access_generation,
      expiresAt: row.expires_at,
      dpopJkt: row.dpop_jkt,
    };
  }

  /** A new refresh token lives its own lifetime, but never past its family's. */
  #tokenExpiry(now: number, familyExpiresAt: number): number {
    return Math.min(now + this.#lifetimes.refreshTokenTtlSeconds * 1000, familyExpiresAt);
  }

  #insertToken(familyId: string, token: string, expiresAt: number): void {
    this.#db
      .prepare(`INSERT INTO refresh_tokens (family_id, token_hash, expires_at) VALUES (?, ?, ?)`)
      .run(familyId, sha256(token), expiresAt);
  }

  #revokeFamily(familyId: string, now: number): void {
    this.#db
      .prepare(`UPDATE families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`)
      .run(now, familyId);
  }

  /** The successor of a refresh token: an HMAC of it, so that a retry gets the same one. */
  #successorOf(refreshToken: string): string {
    return createHmac('sha256', this.#rotationKey).update(refreshToken).digest('base64url');
  }

  #secret(name: string): Buffer {
    const row = this.#db.prepare(`SELECT value FROM settings WHERE key = ?`).get(name) as
      { value: string } | undefined;
    if (row) {
      return Buffer.from(row.value, 'base64');
    }
    // INSERT OR IGNORE then read: a second process starting at once keeps the first one's key.
    this.#db
      .prepare(`INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)`)
      .run(name, randomBytes(32).toString('base64'));
    return this.#secret(name);
  }

  /** Runs `work` in an immediate transaction: it holds the write lock from the start. */
  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      // Any failure inside (a constraint, a closed database) leaves nothing half-written.
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}
