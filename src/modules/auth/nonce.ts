// Nonces that carry their own expiry and are signed with the `secret` module parameter, as
// SER's auth module made them (so two servers with the same secret accept each other's
// nonces: admin guide Example 3-10), plus nonce-count replay protection (RFC 7616 §3.4.5).
//
//   nonce = hex8(expiry, seconds since the epoch) hex8(counter) hex32(HMAC-SHA256(secret, first 16))
// The counter starts at a random value and makes each nonce of a process different (the
// nonce-counts are kept per nonce); the signature is what makes it unforgeable.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'ok' | 'stale' | 'invalid' | 'replay';

/** Nonce-counts remembered at most (the oldest nonces are forgotten first). */
export const MAX_TRACKED_NONCES = 100_000;

export class Nonces {
  private readonly secret: Buffer;
  /** nonce -> the highest nonce-count accepted, in insertion order (oldest first) */
  private readonly counts = new Map<string, number>();
  private serial = randomBytes(4).readUInt32BE(0);

  constructor(
    secret: string,
    /** seconds a nonce stays valid (SER's nonce_expire) */
    private readonly expireSec: number,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = Buffer.from(secret, 'latin1');
  }

  private sign(head: string): string {
    return createHmac('sha256', this.secret).update(head, 'latin1').digest('hex').slice(0, 32);
  }

  /** A fresh nonce, valid for nonce_expire seconds from now. */
  issue(): string {
    const expiry = Math.floor(this.now() / 1000) + this.expireSec;
    this.serial = (this.serial + 1) >>> 0;
    const head = (expiry >>> 0).toString(16).padStart(8, '0') + this.serial.toString(16).padStart(8, '0');
    return head + this.sign(head);
  }

  /**
   * Whether `nonce` is one of ours (or of a server with the same secret), still valid, and, when
   * the client counts (qop), used with a nonce-count above every one accepted before.
   */
  check(nonce: string, nc: number | undefined): NonceCheck {
    if (nonce.length !== 48 || !/^[0-9a-f]{48}$/.test(nonce)) return 'invalid';
    const head = nonce.slice(0, 16);
    const sig = Buffer.from(nonce.slice(16), 'latin1');
    if (!timingSafeEqual(sig, Buffer.from(this.sign(head), 'latin1'))) return 'invalid';
    const expiry = parseInt(nonce.slice(0, 8), 16);
    if (expiry * 1000 < this.now()) {
      this.counts.delete(nonce);
      return 'stale';
    }
    if (nc === undefined) return 'ok';
    const last = this.counts.get(nonce);
    if (last !== undefined && nc <= last) return 'replay';
    return 'ok';
  }

  /** Record that `nc` was accepted for `nonce` (call after the response checked out). */
  accept(nonce: string, nc: number | undefined): void {
    if (nc === undefined) return;
    this.counts.delete(nonce);
    this.counts.set(nonce, nc);
    if (this.counts.size > MAX_TRACKED_NONCES) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
  }

  /** Forget the counts of expired nonces (run from a timer). */
  sweep(): void {
    const nowSec = this.now() / 1000;
    for (const nonce of this.counts.keys()) {
      if (parseInt(nonce.slice(0, 8), 16) < nowSec) this.counts.delete(nonce);
    }
  }

  get tracked(): number {
    return this.counts.size;
  }
}
