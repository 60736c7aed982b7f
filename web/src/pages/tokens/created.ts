import type { AccessToken } from '../../api/api';

/** A token just made, with its secret (shown once). */
export interface Created {
  token: AccessToken;
  secret: string;
}
