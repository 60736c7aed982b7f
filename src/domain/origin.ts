/**
 * Where a request came from, as a route hands it to a service: the client's address
 * (proxy-aware) and its user agent. Services put it on the audit events they record and use
 * the address for per-client limits; they never see the HTTP request itself.
 */
export interface Origin {
  ip: string;
  userAgent: string;
}
