/** A connection URL fit for logs and messages: the password, if any, replaced by `***`. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
