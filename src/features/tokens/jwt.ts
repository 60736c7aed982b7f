import { hkdfSync, randomUUID } from 'node:crypto';
import { importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { JwtConfig } from '../../config.js';
import type { Scope } from '../../domain/access.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export const JWT_AUDIENCE = 'coffer-api';

export interface AccessClaims {
  userId: string;
  scopes: Scope[];
  /** The personal access token the JWT was made from, or null when made with a password. */
  family: string | null;
  /** Milliseconds: `iat` has whole seconds, too coarse to compare with a revocation. */
  issuedAtMs: number;
}

type Key = CryptoKey | Uint8Array;

/**
 * Short-lived access tokens for API clients. The algorithm is pinned when verifying, so a
 * token signed with another one (or `none`) is refused; several may be valid at once.
 */
export class JwtIssuer {
  private constructor(
    private readonly config: JwtConfig,
    private readonly issuer: string,
    private readonly signingKey: Key,
    private readonly verifyingKey: Key,
    private readonly clock: Clock,
  ) {}

  static async create(config: JwtConfig, secretKey: string, issuer: string, clock: Clock = systemClock): Promise<JwtIssuer> {
    if (config.algorithm === 'EdDSA') {
      return new JwtIssuer(config, issuer, await importPKCS8(config.privateKeyPem!, 'EdDSA'), await importSPKI(config.publicKeyPem!, 'EdDSA'), clock);
    }
    // A key of its own, derived from SECRET_KEY, so a JWT key never doubles as anything else.
    const key = new Uint8Array(hkdfSync('sha256', secretKey, 'coffer', 'jwt-hs256', 32));
    return new JwtIssuer(config, issuer, key, key, clock);
  }

  get ttlSeconds(): number {
    return this.config.ttlSeconds;
  }

  async issue(userId: string, scopes: Scope[], family: string | null): Promise<string> {
    const now = this.clock.now().getTime();
    const issuedAt = Math.floor(now / 1000);
    return new SignJWT({ scope: scopes.join(' '), fam: family ?? 'password', iat_ms: now })
      .setProtectedHeader({ alg: this.config.algorithm, typ: 'JWT' })
      .setSubject(userId)
      .setAudience(JWT_AUDIENCE)
      .setIssuer(this.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.config.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.signingKey);
  }

  /** The claims of a valid token, or undefined for an expired, tampered or foreign one. */
  async verify(token: string): Promise<AccessClaims | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.verifyingKey, { algorithms: [this.config.algorithm], audience: JWT_AUDIENCE, issuer: this.issuer, requiredClaims: ['sub', 'exp', 'iat', 'jti'], currentDate: this.clock.now() }));
    } catch {
      return undefined;
    }
    if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string' || typeof payload.iat_ms !== 'number') return undefined;
    const family = payload.fam === 'password' || typeof payload.fam !== 'string' ? null : payload.fam;
    return { userId: payload.sub, scopes: payload.scope.split(' ').filter(Boolean) as Scope[], family, issuedAtMs: payload.iat_ms };
  }
}
