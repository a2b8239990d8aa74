/**
 * @file The destination a request goes to, as deliveries are grouped for per-destination limits: host and port
 * (`partner.example:443`). Invalid URLs group under their own text, so they still count against one limit.
 */
export function destinationKey(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return `${u.hostname.toLowerCase()}:${port}`;
  } catch {
    return url;
  }
}
