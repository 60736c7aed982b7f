import type { AccessToken } from '../../lib/api';

/** A token just made, with its secret (shown once). */
export interface Created {
  token: AccessToken;
  secret: string;
}
